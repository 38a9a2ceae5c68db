// Compare mode: 1 to 6 columns sharing the conversation, each with its own panel (provider, model,
// options). A column is kept as the fields the user entered ({name: [values]}), never a parsed
// body, and `after`: the run it continues (set when the user continues from the answers). The
// panel edits the active column. The tabs come from the server (POST the columns' fields), which
// says what differs between them, labelled from the registry.
//   isComparing()   columnsForRun() -> [{fields, after}]   loadColumns(state.columns)
//   continueColumns({column: runId, …})   activate(index)

import { readFields, emptyFields } from "./panel-fields.js";
import { fillFields } from "./panel.js";
import { debounce, postForServer, CHANGED, LOADED } from "./params-util.js";

export const MAX_COLUMNS = 6;
const TABS_DELAY = 150;
const bar = document.getElementById("columns-bar");
const tabs = document.getElementById("column-tabs");
const addButton = document.getElementById("add-column");
const panel = document.getElementById("panel");
let columns = [{ fields: {}, after: null }];
let active = 0;
let tabsAsked = 0;

function saveActive() {
  columns[active].fields = readFields({ within: panel });
}

function showActive() {
  fillFields({ ...emptyFields(panel), ...columns[active].fields });
}

async function renderTabs() {
  if (columns.length < 2) {
    tabs.replaceChildren();
    return;
  }
  const asked = ++tabsAsked;
  try {
    const html = await postForServer(tabs.dataset.url, { columns: columns.map(({ fields }) => ({ fields })), active });
    if (asked === tabsAsked) tabs.innerHTML = html; // rendered (and escaped) by the server
  } catch (error) {
    if (asked === tabsAsked) tabs.textContent = `Could not compare the columns: ${error.message}`;
  }
}

function render() {
  bar.dataset.count = columns.length;
  addButton.disabled = columns.length >= MAX_COLUMNS;
  addButton.textContent = columns.length === 1 ? "+ Compare: add a column" : "+ Clone column";
  renderTabs();
}

// The active column follows the panel as the user edits, and the tabs with it.
const followPanel = debounce(() => {
  if (columns.length < 2) return;
  saveActive();
  renderTabs();
}, TABS_DELAY);

export function activate(index) {
  if (index === active || !columns[index]) return;
  saveActive();
  active = index;
  showActive();
  render();
}

function addColumn() {
  if (columns.length >= MAX_COLUMNS) return;
  saveActive();
  // A clone of the active column (continuing the same run): change one thing and run both.
  columns.push({ fields: structuredClone(columns[active].fields), after: columns[active].after });
  active = columns.length - 1;
  render();
}

function removeColumn(index) {
  saveActive();
  columns.splice(index, 1);
  active = Math.min(active === index ? 0 : active > index ? active - 1 : active, columns.length - 1);
  showActive();
  render();
}

export function isComparing() {
  return columns.length > 1;
}

// What each column sends in run.start: its own fields and the run it continues.
export function columnsForRun() {
  saveActive();
  return columns.map(({ fields, after }) => ({ fields, after }));
}

// The user continued from a comparison's answers: each column continues its own run.
export function continueColumns(runsByColumn) {
  for (const [index, run] of Object.entries(runsByColumn)) {
    if (columns[index]) columns[index].after = run;
  }
}

// A reopened session's columns (page_data.state.columns: [{provider, values, after}]).
export function loadColumns(restored) {
  if (!Array.isArray(restored) || !restored.length) return;
  const provider = document.getElementById("f-provider");
  columns = restored.slice(0, MAX_COLUMNS).map((column) => ({
    fields: { ...column.values, ...(column.provider && provider ? { [provider.name]: [column.provider] } : {}) },
    after: column.after || null,
  }));
  active = 0;
  showActive();
  render();
}

tabs.addEventListener("click", (event) => {
  const remove = event.target.closest("[data-column-remove]");
  if (remove) return removeColumn(Number(remove.dataset.columnRemove));
  const pick = event.target.closest("[data-column-pick]");
  if (pick) activate(Number(pick.dataset.columnPick));
  return undefined;
});
for (const type of ["input", "change"]) panel.addEventListener(type, followPanel);
// Edited by the user or an editor, or filled (a preset, raw JSON, unset all).
for (const type of [CHANGED, LOADED]) panel.addEventListener(type, followPanel);
addButton.addEventListener("click", addColumn);
render();
// A reopened session: its columns as they were sent (conversations/restore.py).
loadColumns(JSON.parse(document.getElementById("page-data").textContent).state?.columns);
