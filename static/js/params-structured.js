// Structured editors for JSON-valued options: response_format (type, name, strict, schema), audio
// (voice, format), tools (function cards), and the named-function choices of tool_choice and
// function_call. Each writes its JSON textarea (the form field) and rebuilds from it when the user
// edits that textarea or a body is loaded. Keys an editor has no control for are kept.

import { fieldsNamed, fire, CHANGED, LOADED, parseJson, pretty, cloneTemplate, grow } from "./params-util.js";

function parsedObject(textarea, shape = "object") {
  const text = textarea.value.trim();
  if (!text) return { value: shape === "array" ? [] : null };
  const { value, error } = parseJson(text);
  if (error) return { error };
  const fits = shape === "array" ? Array.isArray(value) : value && typeof value === "object" && !Array.isArray(value);
  return fits ? { value } : { error: "wrong shape" };
}

function writeCanonical(canonical, value) {
  canonical.value = value === undefined ? "" : pretty(value);
  fire(canonical, CHANGED);
}

function localError(box, message, field) {
  const slot = box.querySelector("[data-local-error]");
  slot.textContent = message || "";
  slot.hidden = !message;
  if (field) field.setAttribute("aria-invalid", message ? "true" : "false");
}

// The JSON in a schema textarea, or {error} to show at the field; empty is "no schema".
function schemaFrom(textarea) {
  const text = textarea.value.trim();
  if (!text) return { value: undefined };
  return parseJson(text);
}

function setupResponseFormat(editor) {
  const canonical = editor.querySelector("[data-canonical]");
  const type = editor.querySelector(".rf-type");
  const schemaBox = editor.querySelector("[data-json-schema]");
  const name = editor.querySelector(".rf-name");
  const description = editor.querySelector(".rf-description");
  const strict = editor.querySelector(".rf-strict");
  const schemaText = editor.querySelector(".rf-schema-text");
  let extra = {};

  function write() {
    schemaBox.hidden = type.value !== "json_schema";
    if (!type.value) return writeCanonical(canonical, undefined);
    if (type.value !== "json_schema") return writeCanonical(canonical, { type: type.value });
    const schema = schemaFrom(schemaText);
    localError(schemaBox, schema.error, schemaText);
    if (schema.error) return undefined;
    const jsonSchema = { ...extra, name: name.value.trim() };
    if (description.value.trim()) jsonSchema.description = description.value.trim();
    else delete jsonSchema.description;
    if (strict.checked) jsonSchema.strict = true;
    else delete jsonSchema.strict;
    if (schema.value !== undefined) jsonSchema.schema = schema.value;
    else delete jsonSchema.schema;
    return writeCanonical(canonical, { type: "json_schema", json_schema: jsonSchema });
  }

  function rebuild() {
    const { value, error } = parsedObject(canonical);
    if (error) return;
    const format = value || {};
    const select = [...type.options].some((option) => option.value === format.type);
    type.value = select ? format.type : "";
    const jsonSchema = format.json_schema && typeof format.json_schema === "object" ? format.json_schema : {};
    const { name: schemaName = "", description: about = "", strict: isStrict, schema, ...rest } = jsonSchema;
    extra = rest;
    name.value = schemaName;
    description.value = about;
    strict.checked = isStrict === true;
    schemaText.value = schema === undefined ? "" : pretty(schema);
    schemaBox.hidden = type.value !== "json_schema";
    localError(schemaBox, "", schemaText);
    grow(schemaText);
  }

  editor.addEventListener("input", (event) => { if (event.target !== canonical) write(); });
  editor.addEventListener("change", (event) => { if (event.target !== canonical) write(); });
  canonical.addEventListener("input", rebuild);
  canonical.addEventListener(LOADED, rebuild);
  rebuild();
}

function setupAudio(editor) {
  const canonical = editor.querySelector("[data-canonical]");
  const voice = editor.querySelector(".audio-voice");
  const format = editor.querySelector(".audio-format");
  let extra = {};

  function write() {
    const audio = { ...extra };
    if (voice.value) audio.voice = voice.value;
    if (format.value) audio.format = format.value;
    writeCanonical(canonical, Object.keys(audio).length ? audio : undefined);
  }

  function rebuild() {
    const { value, error } = parsedObject(canonical);
    if (error) return;
    const { voice: chosenVoice, format: chosenFormat = "", ...rest } = value || {};
    extra = rest;
    // A custom voice ({id: …}) has no option; it is kept as it was.
    if (chosenVoice !== undefined && typeof chosenVoice !== "string") extra.voice = chosenVoice;
    voice.value = typeof chosenVoice === "string" ? chosenVoice : "";
    format.value = chosenFormat;
  }

  voice.addEventListener("change", write);
  format.addEventListener("change", write);
  canonical.addEventListener("input", rebuild);
  canonical.addEventListener(LOADED, rebuild);
  rebuild();
}

function setupTools(editor) {
  const canonical = editor.querySelector("[data-canonical]");
  const list = editor.querySelector("[data-tool-list]");
  const template = editor.querySelector("[data-tool-template]");
  const othersNote = editor.querySelector("[data-other-tools]");
  let otherTools = [];

  function readCard(card) {
    const parameters = schemaFrom(card.querySelector(".tool-parameters"));
    localError(card, parameters.error, card.querySelector(".tool-parameters"));
    if (parameters.error) return null;
    const fn = { ...card.extra, name: card.querySelector(".tool-name").value.trim() };
    const description = card.querySelector(".tool-description").value.trim();
    if (description) fn.description = description;
    else delete fn.description;
    if (parameters.value !== undefined) fn.parameters = parameters.value;
    else delete fn.parameters;
    if (card.querySelector(".tool-strict").checked) fn.strict = true;
    else delete fn.strict;
    return { type: "function", function: fn };
  }

  function write() {
    const tools = [...list.children].map(readCard);
    if (tools.includes(null)) return;
    const all = [...tools, ...otherTools];
    writeCanonical(canonical, all.length ? all : undefined);
  }

  function addCard(fn = {}) {
    const card = cloneTemplate(template);
    const { name = "", description = "", parameters, strict, ...extra } = fn;
    card.extra = extra;
    card.querySelector(".tool-name").value = name;
    card.querySelector(".tool-description").value = description;
    card.querySelector(".tool-parameters").value = parameters === undefined ? "" : pretty(parameters);
    card.querySelector(".tool-strict").checked = strict === true;
    list.append(card);
    grow(card.querySelector(".tool-parameters"));
    return card;
  }

  function rebuild() {
    const { value, error } = parsedObject(canonical, "array");
    if (error) return;
    list.replaceChildren();
    otherTools = value.filter((tool) => !(tool && tool.type === "function" && tool.function));
    value.filter((tool) => tool && tool.type === "function" && tool.function).forEach((tool) => addCard(tool.function));
    othersNote.hidden = otherTools.length === 0;
    othersNote.textContent = `${otherTools.length} other tool(s) (custom, not functions) are kept; edit them as JSON.`;
  }

  editor.querySelector("[data-add-tool]").addEventListener("click", () => {
    addCard().querySelector(".tool-name").focus();
    write();
  });
  list.addEventListener("click", (event) => {
    if (!event.target.closest(".tool-remove")) return;
    event.target.closest(".tool-card").remove();
    write();
  });
  list.addEventListener("input", write);
  list.addEventListener("change", write);
  canonical.addEventListener("input", rebuild);
  canonical.addEventListener(LOADED, rebuild);
  rebuild();
}

// tool_choice and function_call offer "force this function" for each function defined.
const NAMED_CHOICES = [
  { choice: "tool_choice", source: "tools",
    names: (tools) => tools.filter((tool) => tool?.type === "function").map((tool) => tool.function?.name),
    value: (name) => JSON.stringify({ type: "function", function: { name } }) },
  { choice: "function_call", source: "functions",
    names: (functions) => functions.map((fn) => fn?.name),
    value: (name) => JSON.stringify({ name }) },
];

function refreshNamedChoices({ choice, source, names, value }) {
  const select = fieldsNamed(choice)[0];
  const sourceField = fieldsNamed(source)[0];
  if (!select || !sourceField) return;
  const parsed = parsedObject(sourceField, "array");
  const defined = parsed.error ? [] : names(parsed.value).filter((name) => typeof name === "string" && name);
  const group = select.querySelector("[data-named-options]");
  const current = select.value;
  group.replaceChildren(...[...new Set(defined)].map((name) => new Option(name, value(name))));
  select.querySelectorAll("option[data-added]").forEach((option) => option.remove());
  if (current && ![...select.options].some((option) => option.value === current)) {
    const option = new Option(`${current.slice(0, 40)} (not defined)`, current);
    option.dataset.added = "";
    select.append(option);
  }
  select.value = current;
}

export function setupStructuredEditors(root) {
  root.querySelectorAll('[data-editor="response_format"]').forEach(setupResponseFormat);
  root.querySelectorAll('[data-editor="audio"]').forEach(setupAudio);
  root.querySelectorAll('[data-editor="tools"]').forEach(setupTools);
  for (const named of NAMED_CHOICES) {
    const sourceField = fieldsNamed(named.source)[0];
    const refresh = () => refreshNamedChoices(named);
    for (const type of ["input", CHANGED, LOADED]) sourceField?.addEventListener(type, refresh);
    fieldsNamed(named.choice)[0]?.addEventListener(LOADED, refresh);
    refresh();
  }
}
