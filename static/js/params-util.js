// Small helpers the panel's modules share: the registry from the page, JSON parsing with a
// position, escapes for stop sequences, events, and growing textareas.

export const registry = JSON.parse(document.getElementById("params-registry").textContent);
export const form = document.getElementById("request-form");

// Fired on a field after code (not the user) gave it a value: editors rebuild from it.
export const LOADED = "params:load";
// Fired on a field after an editor wrote it: the panel refreshes its state and re-validates.
export const CHANGED = "params:changed";

export function fire(element, type) {
  element.dispatchEvent(new CustomEvent(type, { bubbles: true }));
}

// Every form-associated control with this name, the panel's ones included (they use form=).
export function fieldsNamed(name) {
  return [...form.elements].filter((element) => element.name === name);
}

export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

function lineAndColumn(text, position) {
  const before = text.slice(0, position).split("\n");
  return { line: before.length, column: before.at(-1).length + 1 };
}

// JSON.parse, but the error says where: {value} or {error: "line 3, column 5: …"}.
export function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const message = error.message.replace(/\s*\(line \d+ column \d+\)/, "");
    const match = /at position (\d+)/.exec(message);
    const position = match ? Number(match[1]) : text.length;
    const { line, column } = lineAndColumn(text, position);
    const reason = message.replace(/\s*in JSON at position \d+/, "").replace(/^JSON\.parse: /, "");
    return { error: `Invalid JSON on line ${line}, column ${column}: ${reason}.`, line, column };
  }
}

const ESCAPES = { n: "\n", t: "\t", r: "\r", "\\": "\\" };

// The same escapes as playground/params/body.py: typed \n, \t, \r, \\ mean the characters.
export function decodeEscapes(text) {
  return text.replace(/\\(.)/gs, (whole, char) => ESCAPES[char] ?? whole);
}

export function encodeEscapes(text) {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

export function isEmptyValue(value) {
  return value === undefined || value === null || value === "";
}

const growsNatively = window.CSS && CSS.supports("field-sizing", "content");

// Textareas follow their content; browsers without field-sizing get the height set by hand.
export function grow(textarea) {
  if (growsNatively || !textarea) return;
  textarea.style.height = "auto";
  textarea.style.height = `${textarea.scrollHeight + 2}px`;
}

export function cloneTemplate(template) {
  return template.content.firstElementChild.cloneNode(true);
}
