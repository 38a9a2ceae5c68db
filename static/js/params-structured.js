// Structured editors for JSON-valued options, by the shape they edit (data-editor): a response
// format with a JSON schema (type, name, strict, schema), a voice (voice, format), function tools
// (cards), and choices that can name one entry of another option (data-named-choice, e.g. forcing
// one function). Each writes its JSON textarea (the form field) and rebuilds from it when the user
// edits that textarea or a body is loaded. Keys an editor has no control for are kept. JSON the
// user types inside an editor (a schema) is passed on as typed; the server parses it.

import {
  fieldsNamed, fire, CHANGED, LOADED, parseJson, pretty, cloneTemplate, grow, rawMarker, jsonWithRaw,
} from "./params-util.js";

function parsedObject(textarea, shape = "object") {
  const text = textarea.value.trim();
  if (!text) return { value: shape === "array" ? [] : null };
  const { value, error } = parseJson(text);
  if (error) return { error };
  const fits = shape === "array" ? Array.isArray(value) : value && typeof value === "object" && !Array.isArray(value);
  return fits ? { value } : { error: "wrong shape" };
}

function writeCanonical(canonical, value, raws = []) {
  canonical.value = value === undefined ? "" : jsonWithRaw(value, raws);
  fire(canonical, CHANGED);
}

function localError(box, message, field) {
  const slot = box.querySelector("[data-local-error]");
  slot.textContent = message || "";
  slot.hidden = !message;
  if (field) field.setAttribute("aria-invalid", message ? "true" : "false");
}

// The JSON in a schema textarea (undefined when empty). Text that does not parse is noted at the
// textarea, named and counted in the user's own text, and stands in as a rawMarker, so the option
// carries it as typed and the server refuses the option by name: a run never goes out without the
// schema the user meant. (The server's message then stays out of sight: panel-errors.js.)
function typedJson(textarea, raws, box) {
  const text = textarea.value.trim();
  const { value, error } = text ? parseJson(text) : { value: undefined };
  localError(box, error && `${textarea.dataset.jsonLabel}: ${error}`, textarea);
  if (!error) return value;
  raws.push(text);
  return rawMarker(raws.length - 1);
}

function setupSchemaFormat(editor) {
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
    const raws = [];
    const schema = typedJson(schemaText, raws, schemaBox);
    const jsonSchema = { ...extra, name: name.value.trim() };
    if (description.value.trim()) jsonSchema.description = description.value.trim();
    else delete jsonSchema.description;
    if (strict.checked) jsonSchema.strict = true;
    else delete jsonSchema.strict;
    if (schema !== undefined) jsonSchema.schema = schema;
    else delete jsonSchema.schema;
    return writeCanonical(canonical, { type: "json_schema", json_schema: jsonSchema }, raws);
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

function setupVoice(editor) {
  const canonical = editor.querySelector("[data-canonical]");
  const voice = editor.querySelector(".audio-voice");
  const format = editor.querySelector(".audio-format");
  let extra = {};

  function write() {
    const chosen = { ...extra };
    if (voice.value) chosen.voice = voice.value;
    if (format.value) chosen.format = format.value;
    writeCanonical(canonical, Object.keys(chosen).length ? chosen : undefined);
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

function setupFunctionTools(editor) {
  const canonical = editor.querySelector("[data-canonical]");
  const list = editor.querySelector("[data-tool-list]");
  const template = editor.querySelector("[data-tool-template]");
  const othersNote = editor.querySelector("[data-other-tools]");
  let otherTools = [];

  function readCard(card, raws) {
    const parameters = typedJson(card.querySelector(".tool-parameters"), raws, card);
    const fn = { ...card.extra, name: card.querySelector(".tool-name").value.trim() };
    const description = card.querySelector(".tool-description").value.trim();
    if (description) fn.description = description;
    else delete fn.description;
    if (parameters !== undefined) fn.parameters = parameters;
    else delete fn.parameters;
    if (card.querySelector(".tool-strict").checked) fn.strict = true;
    else delete fn.strict;
    return { type: "function", function: fn };
  }

  function write() {
    const raws = [];
    const all = [...[...list.children].map((card) => readCard(card, raws)), ...otherTools];
    writeCanonical(canonical, all.length ? all : undefined, raws);
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

// A choice that can name an entry of another option (data-named-choice, from the registry):
// {source, path, template, choicePath}. Each named entry of the source becomes an option whose
// value is the template with the name put at choicePath.

function at(value, path) {
  return path.reduce((node, key) => (node && typeof node === "object" ? node[key] : undefined), value);
}

function withNameAt(template, path, name) {
  const choice = structuredClone(template);
  const parent = at(choice, path.slice(0, -1));
  parent[path.at(-1)] = name;
  return JSON.stringify(choice);
}

function refreshNamedChoices(select, spec) {
  const source = fieldsNamed(spec.source)[0];
  if (!source) return;
  const parsed = parsedObject(source, "array");
  const names = parsed.error ? [] : parsed.value.map((entry) => at(entry, spec.path)).filter((name) => typeof name === "string" && name);
  const group = select.querySelector("[data-named-options]");
  const current = select.value;
  group.replaceChildren(...[...new Set(names)].map((name) => new Option(name, withNameAt(spec.template, spec.choicePath, name))));
  select.querySelectorAll("option[data-added]").forEach((option) => option.remove());
  if (current && ![...select.options].some((option) => option.value === current)) {
    const option = new Option(`${current.slice(0, 40)} (not defined)`, current);
    option.dataset.added = "";
    select.append(option);
  }
  select.value = current;
}

export function setupStructuredEditors(root) {
  root.querySelectorAll('[data-editor="schema-format"]').forEach(setupSchemaFormat);
  root.querySelectorAll('[data-editor="voice"]').forEach(setupVoice);
  root.querySelectorAll('[data-editor="function-tools"]').forEach(setupFunctionTools);
  for (const select of root.querySelectorAll("select[data-named-choice]")) {
    const spec = JSON.parse(select.dataset.namedChoice);
    const refresh = () => refreshNamedChoices(select, spec);
    for (const type of ["input", CHANGED, LOADED]) fieldsNamed(spec.source)[0]?.addEventListener(type, refresh);
    select.addEventListener(LOADED, refresh);
    refresh();
  }
}
