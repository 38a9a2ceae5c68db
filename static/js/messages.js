// The messages editor: a system box on top (left out when empty), then the turns. Add, remove,
// reorder and edit messages of every role; user content parts; assistant tool calls; tool results.
// The whole list lives in the messages textarea ("Messages as JSON"), kept in sync both ways.
// Turns already answered (up to the last assistant message) fold away behind "Show N earlier
// messages": the transcript above shows them. A viewer gets the editor read-only.
//   getMessages() -> [message]   setMessages(list)   appendMessage(message)

import { fire, CHANGED, LOADED, parseJson, pretty, cloneTemplate, grow } from "./params-util.js";
import { renderPart, newPart, renderToolCall, splitContent, growAll } from "./params-message-parts.js";

const list = document.getElementById("message-list");
const systemBox = document.getElementById("system-message");
const jsonField = document.getElementById("f-messages");
const jsonError = document.querySelector("[data-messages-json-error]");
const roleToAdd = document.getElementById("add-message-role");
const editor = document.getElementById("messages-editor");
const earlierToggle = document.getElementById("earlier-toggle");
const readOnly = editor.hasAttribute("data-readonly");
// Keys each role's fields edit; any other key on a message (name, audio, …) is carried over.
const EDITED_KEYS = new Set(["role", "content", "tool_calls", "tool_call_id"]);
const STARTERS = {
  user: { role: "user", content: "" },
  assistant: { role: "assistant", content: "" },
  tool: { role: "tool", tool_call_id: "", content: "" },
  system: { role: "system", content: "" },
  developer: { role: "developer", content: "" },
};

let turns = [];
let shownEarlier = false;
let folded = 0;

const copy = (value) => structuredClone(value);

export function getMessages() {
  const system = systemBox.value;
  return [...(system.trim() ? [{ role: "system", content: system }] : []), ...copy(turns)];
}

function writeJson() {
  jsonField.value = pretty(getMessages());
  jsonError.hidden = true;
  jsonField.removeAttribute("aria-invalid");
  fire(jsonField, CHANGED);
}

// Reading one turn back from its fields.

function readTurn(item, previous = {}) {
  const role = item.querySelector(".message-role").value;
  const message = { role };
  const text = item.querySelector(".message-content").value;
  const parts = [...item.querySelectorAll("[data-parts] > .part")].map((part) => part.read());
  const calls = role === "assistant" ? [...item.querySelectorAll("[data-tool-calls] > .tool-call")].map((call) => call.read()) : [];
  if (role === "tool") message.tool_call_id = item.querySelector(".tool-call-id").value.trim();
  if (parts.length) message.content = [...(text ? [{ type: "text", text }] : []), ...parts];
  // An assistant turn that only calls tools has no content.
  else if (text || !calls.length) message.content = text;
  if (calls.length) message.tool_calls = calls;
  for (const [key, value] of Object.entries(previous)) {
    if (!EDITED_KEYS.has(key) && !(key in message)) message[key] = value;
  }
  return message;
}

function updateTurn(item) {
  const index = [...list.children].indexOf(item);
  turns[index] = readTurn(item, turns[index]);
  writeJson();
}

// Rendering.

function renderTurn(message) {
  const item = cloneTemplate(document.getElementById("message-template"));
  const role = STARTERS[message?.role] ? message.role : "user";
  item.dataset.role = role;
  item.querySelector(".message-role").value = role;
  item.querySelectorAll("[data-when]").forEach((element) => { element.hidden = element.dataset.when !== role; });
  const { text, parts } = splitContent(message?.content);
  const content = item.querySelector(".message-content");
  content.value = typeof text === "string" ? text : JSON.stringify(text);
  content.setAttribute("aria-label", `${role} message`);
  const partsBox = item.querySelector("[data-parts]");
  parts.forEach((part) => partsBox.append(renderPart(part, () => updateTurn(item))));
  item.querySelector(".tool-call-id").value = message?.tool_call_id ?? "";
  const callsBox = item.querySelector("[data-tool-calls]");
  (Array.isArray(message?.tool_calls) ? message.tool_calls : []).forEach((call) => callsBox.append(renderToolCall(call)));
  if (readOnly) lock(item);
  return item;
}

function lock(root) {
  root.querySelectorAll("textarea, input").forEach((field) => { field.readOnly = true; });
  root.querySelectorAll("select").forEach((field) => { field.disabled = true; });
}

// Turns already answered fold away when the conversation moves on ("Continue", a reopened
// session); the user's own editing never folds anything.
export function foldAnswered(count = turns.length) {
  folded = Math.max(0, count);
  shownEarlier = false;
  updateFold();
}

function updateFold() {
  const hide = folded > 0 && folded < turns.length && !shownEarlier;
  [...list.children].forEach((item, index) => { item.hidden = hide && index < folded; });
  earlierToggle.hidden = !(folded > 0 && folded < turns.length);
  const plural = folded === 1 ? "" : "s";
  earlierToggle.textContent = hide ? `Show ${folded} earlier message${plural}` : `Hide the ${folded} earlier message${plural}`;
  earlierToggle.setAttribute("aria-expanded", String(!hide));
}

earlierToggle.addEventListener("click", () => {
  shownEarlier = !shownEarlier;
  updateFold();
  if (shownEarlier) list.firstElementChild?.querySelector(".message-content")?.focus();
});

function render() {
  list.replaceChildren(...turns.map(renderTurn));
  updateFold();
  growAll(list);
}

function setTurns(messages) {
  const all = Array.isArray(messages) ? copy(messages) : [];
  const first = all[0];
  if (first?.role === "system" && typeof first.content === "string") {
    systemBox.value = first.content;
    all.shift();
  } else {
    systemBox.value = "";
  }
  grow(systemBox);
  turns = all;
  folded = 0;
  render();
}

export function setMessages(messages) {
  setTurns(messages);
  writeJson();
}

export function appendMessage(message) {
  turns.push(copy(message));
  list.append(renderTurn(message));
  updateFold();
  growAll(list.lastElementChild);
  writeJson();
}

// The message to write next: an empty tool result, else the last user message.
export function focusLastUserMessage() {
  const shown = [...list.querySelectorAll(".message:not([hidden])")];
  const target = shown.find((item) => item.dataset.role === "tool" && !item.querySelector(".message-content").value)
    || shown.filter((item) => item.dataset.role === "user").at(-1);
  const field = target?.querySelector(".message-content") || systemBox;
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "nearest" });
}

// Editing.

function focusIn(index, selector) {
  list.children[index]?.querySelector(selector)?.focus();
}

const ACTIONS = {
  up(index) {
    if (index === 0) return;
    [turns[index - 1], turns[index]] = [turns[index], turns[index - 1]];
    render();
    focusIn(index - 1, '[data-action="up"]');
  },
  down(index) {
    if (index >= turns.length - 1) return;
    [turns[index + 1], turns[index]] = [turns[index], turns[index + 1]];
    render();
    focusIn(index + 1, '[data-action="down"]');
  },
  remove(index) {
    turns.splice(index, 1);
    render();
    focusIn(Math.min(index, turns.length - 1), ".message-content");
    if (!turns.length) roleToAdd.focus();
  },
  "add-image": (index, item) => item.querySelector("[data-parts]").append(newPart("image_url", () => updateTurn(item))),
  "add-audio": (index, item) => item.querySelector("[data-parts]").append(newPart("input_audio", () => updateTurn(item))),
  "add-tool-call": (index, item) => item.querySelector("[data-tool-calls]").append(renderToolCall()),
  "remove-part": (index, item, button) => button.closest(".part").remove(),
  "remove-tool-call": (index, item, button) => button.closest(".tool-call").remove(),
};
const STRUCTURAL = new Set(["up", "down", "remove"]);

list.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const item = button.closest(".message");
  const index = [...list.children].indexOf(item);
  const action = button.dataset.action;
  ACTIONS[action](index, item, button);
  if (STRUCTURAL.has(action)) {
    folded = 0;
    updateFold();
    writeJson();
  }
  else updateTurn(item);
  if (action.startsWith("add-")) item.querySelector(".part:last-child input, .tool-call:last-child input")?.focus();
});

list.addEventListener("input", (event) => {
  if (event.target.tagName === "TEXTAREA") grow(event.target);
  const item = event.target.closest(".message");
  if (item && !event.target.matches(".message-role, .part-file")) updateTurn(item);
});

list.addEventListener("change", (event) => {
  if (!event.target.matches(".message-role")) return;
  const item = event.target.closest(".message");
  const index = [...list.children].indexOf(item);
  const message = readTurn(item, turns[index]);
  if (message.role !== "assistant") delete message.tool_calls;
  if (message.role !== "tool") delete message.tool_call_id;
  else message.tool_call_id ??= "";
  turns[index] = message;
  const replacement = renderTurn(message);
  item.replaceWith(replacement);
  growAll(replacement);
  replacement.querySelector(".message-role").focus();
  writeJson();
});

systemBox.addEventListener("input", () => {
  grow(systemBox);
  writeJson();
});

document.getElementById("add-message").addEventListener("click", () => {
  appendMessage(STARTERS[roleToAdd.value]);
  list.lastElementChild.querySelector(".message-content").focus();
});

// Typing in the JSON: the turns follow whenever it parses; the JSON is not rewritten meanwhile.
function followJson() {
  const { value, error } = parseJson(jsonField.value.trim() || "[]");
  const problem = error || (Array.isArray(value) ? "" : "Messages must be a JSON list: [ … ].");
  jsonError.textContent = problem && `${jsonField.dataset.jsonLabel}: ${problem}`;
  jsonError.hidden = !problem;
  if (problem) {
    jsonField.setAttribute("aria-invalid", "true");
    return;
  }
  jsonField.removeAttribute("aria-invalid");
  setTurns(value);
}
jsonField.addEventListener("input", followJson);
jsonField.addEventListener(LOADED, followJson);

// A reopened session puts back the list as the latest run sent it (page_data.state), with the
// turns already answered folded away; a new one starts with an empty user message.
function start() {
  const pageData = JSON.parse(document.getElementById("page-data")?.textContent || "{}");
  const { messages: restored } = pageData.state || {}; // as the latest run sent them
  const { value } = parseJson(jsonField.value.trim() || "[]");
  const initial = Array.isArray(restored) && restored.length ? restored : Array.isArray(value) && value.length ? value : [STARTERS[roleToAdd.value]];
  setMessages(initial);
  // Answered: up to the last assistant message, or (compare mode, where each column keeps its own
  // answers) everything before the last user message.
  if (restored) {
    const lastAnswer = turns.findLastIndex((message) => message?.role === "assistant") + 1;
    foldAnswered(Math.max(lastAnswer, turns.findLastIndex((message) => message?.role === "user")));
  }
  if (readOnly) {
    systemBox.readOnly = true;
    jsonField.readOnly = true;
  } else if (!pageData.conversation) {
    focusLastUserMessage();
  }
}

start();
