// The messages editor: a system box on top (left out when empty), then the turns. Add, remove,
// reorder and edit messages of every role; user content parts; assistant tool calls; tool results.
// The whole list lives in the messages textarea ("Messages as JSON"), kept in sync both ways.
//   getMessages() -> [message]   setMessages(list)   appendMessage(message)

import { fire, CHANGED, LOADED, parseJson, pretty, cloneTemplate, grow } from "./params-util.js";
import { renderPart, newPart, renderToolCall, splitContent, growAll } from "./params-message-parts.js";

const list = document.getElementById("message-list");
const systemBox = document.getElementById("system-message");
const jsonField = document.getElementById("f-messages");
const jsonError = document.querySelector("[data-messages-json-error]");
const roleToAdd = document.getElementById("add-message-role");
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
  return item;
}

function render() {
  list.replaceChildren(...turns.map(renderTurn));
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
  render();
}

export function setMessages(messages) {
  setTurns(messages);
  writeJson();
}

export function appendMessage(message) {
  turns.push(copy(message));
  list.append(renderTurn(message));
  growAll(list.lastElementChild);
  writeJson();
}

export function focusLastUserMessage() {
  const users = list.querySelectorAll('.message[data-role="user"] .message-content');
  (users[users.length - 1] || systemBox).focus();
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
  if (STRUCTURAL.has(action)) writeJson();
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
  jsonError.textContent = problem;
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

function start() {
  const { value } = parseJson(jsonField.value.trim() || "[]");
  const initial = Array.isArray(value) && value.length ? value : [STARTERS[roleToAdd.value]];
  setMessages(initial);
  focusLastUserMessage();
}

start();
