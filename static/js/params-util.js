// Small helpers the panel's modules share: the request form, events, talking to the server,
// JSON for the structured editors' own display, and growing textareas. No option is named here:
// names come from the DOM (templates generated from the registry) or from the server's answers.

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

function csrfToken() {
  return form.elements.csrfmiddlewaretoken?.value || "";
}

// {name: [values]} as a form post body (repeated names for several values).
export function formBody(values) {
  const body = new URLSearchParams();
  for (const [name, list] of Object.entries(values)) list.forEach((value) => body.append(name, value));
  return body;
}

// POST to one of our endpoints and read its JSON answer; throws with the status on failure.
export async function postForServer(url, body) {
  const json = !(body instanceof URLSearchParams);
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", ...(json ? { "Content-Type": "application/json" } : {}) },
    body: json ? JSON.stringify(body) : body,
  });
  if (!response.ok) throw new Error(`The server answered ${response.status}.`);
  return (response.headers.get("Content-Type") || "").includes("json") ? response.json() : response.text();
}

function lineAndColumn(text, position) {
  const before = text.slice(0, position).split("\n");
  return { line: before.length, column: before.at(-1).length + 1 };
}

// JSON.parse for the structured editors (which show a JSON value as fields), with the error
// saying where: {value} or {error: "line 3, column 5: …"}. The server still parses every option.
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

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// A stand-in for text the user typed, for jsonWithRaw.
export function rawMarker(index) {
  return `\u0000typed ${index}\u0000`;
}

// The JSON text of `value` with each rawMarker(i) replaced by raws[i] exactly as typed: an editor
// never reads a number or a schema the user wrote, it passes the text on, and the server (the
// one parser) accepts it or names the field it cannot read.
export function jsonWithRaw(value, raws) {
  let text = pretty(value);
  raws.forEach((raw, index) => {
    text = text.replace(JSON.stringify(rawMarker(index)), () => raw);
  });
  return text;
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
