// Compare mode: 1 to 6 columns, each its own provider, model and parameters, sharing the message
// list. The panel edits the active column. On each turn every column continues its own answers:
// its request is its previous request, its own answer, then the new shared messages.
import { getRequest, setRequest } from "./panel.js";
import { getMessages } from "./messages.js";

export const MAX_COLUMNS = 6;
const bar = document.getElementById("columns-bar");
const tabs = document.getElementById("column-tabs");
const addButton = document.getElementById("add-column");
const columns = [{ provider: null, params: null, history: null, pending: null }];
let active = 0;

function withoutMessages(body) {
  const { messages, ...params } = body;
  return params;
}

function saveActive() {
  const { provider, body } = getRequest();
  columns[active].provider = provider;
  columns[active].params = withoutMessages(body);
}

function label(column, index) {
  const params = column.params || {};
  const model = params.model || "no model";
  return `${index + 1} · ${model}`;
}

function render() {
  bar.dataset.count = columns.length;
  tabs.replaceChildren(
    ...columns.map((column, index) => {
      const item = document.createElement("li");
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "column-tab";
      pick.textContent = label(column, index);
      pick.setAttribute("aria-pressed", index === active ? "true" : "false");
      pick.addEventListener("click", () => activate(index));
      item.append(pick);
      if (columns.length > 1) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "column-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", `Remove column ${index + 1}`);
        remove.addEventListener("click", () => removeColumn(index));
        item.append(remove);
      }
      return item;
    }),
  );
  addButton.disabled = columns.length >= MAX_COLUMNS;
  addButton.textContent = columns.length === 1 ? "+ Compare: add a column" : "+ Clone column";
}

export function activate(index) {
  if (index === active) return;
  saveActive();
  active = index;
  const column = columns[index];
  setRequest({ ...column.params, messages: getMessages() }, column.provider);
  render();
}

function addColumn() {
  if (columns.length >= MAX_COLUMNS) return;
  saveActive();
  // A clone of the active column: change one thing and run both.
  columns.push({ provider: columns[active].provider, params: structuredClone(columns[active].params), history: columns[active].history, pending: null });
  active = columns.length - 1;
  render();
}

function removeColumn(index) {
  saveActive();
  columns.splice(index, 1);
  active = Math.min(active === index ? 0 : active > index ? active - 1 : active, columns.length - 1);
  const column = columns[active];
  setRequest({ ...column.params, messages: getMessages() }, column.provider);
  render();
}

export function isComparing() {
  return columns.length > 1;
}

function samePrefix(messages, prefix) {
  return prefix.length <= messages.length && prefix.every((m, i) => JSON.stringify(m) === JSON.stringify(messages[i]));
}

function messagesFor(column, shared) {
  const history = column.history;
  if (history && history.answer && samePrefix(shared, history.shared)) {
    return [...history.messages, history.answer, ...shared.slice(history.shared.length)];
  }
  return shared;
}

// The run.start columns for every column, remembering what each was sent.
export function columnsForRun() {
  saveActive();
  const shared = getMessages();
  return columns.map((column) => {
    const messages = messagesFor(column, shared);
    column.pending = { shared, messages };
    return { provider: column.provider, body: { model: column.params.model, messages, ...column.params } };
  });
}

// A column's run finished: its answer is what that column continues from next turn.
export function recordAnswer(index, message) {
  const column = columns[index];
  if (!column || !column.pending) return;
  column.history = { ...column.pending, answer: message };
}

// The options whose values differ between requests (messages aside), for the comparison header.
export function differingParameters(requests) {
  const keys = new Set(requests.flatMap((r) => Object.keys(r)));
  keys.delete("messages");
  const differing = {};
  for (const key of [...keys].sort()) {
    const values = requests.map((r) => (key in r ? JSON.stringify(r[key]) : undefined));
    if (new Set(values).size > 1) differing[key] = requests.map((r) => r[key]);
  }
  return differing;
}

addButton.addEventListener("click", addColumn);
render();
