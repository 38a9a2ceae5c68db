// Reads the request body from the form and writes a body back into it, by each option's kind
// (from the registry). The same rules as playground/params/body.py: an empty field is unset and
// left out; disabled fields are not sent.

import {
  registry, fieldsNamed, fire, LOADED, parseJson, decodeEscapes, encodeEscapes, pretty,
} from "./params-util.js";

class FieldError extends Error {}

function enabledValues(name) {
  return fieldsNamed(name)
    .filter((field) => !field.disabled && (field.type !== "checkbox" || field.checked))
    .map((field) => field.value);
}

function single(values) {
  return values.length ? values.at(-1).trim() : "";
}

function json(raw) {
  const { value, error } = parseJson(raw);
  if (error) throw new FieldError(error);
  return value === null ? undefined : value;
}

const PARSERS = {
  float(values) {
    const raw = single(values);
    if (!raw) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new FieldError("Enter a number.");
    return value;
  },
  int(values) {
    const raw = single(values);
    if (!raw) return undefined;
    if (!/^[-+]?\d+$/.test(raw)) throw new FieldError("Enter a whole number.");
    return Number(raw);
  },
  bool(values) {
    const raw = single(values).toLowerCase();
    if (!raw) return undefined;
    if (raw !== "true" && raw !== "false") throw new FieldError("Choose on, off or unset.");
    return raw === "true";
  },
  text(values) {
    return single(values) || undefined;
  },
  enum(values, param) {
    const raw = single(values);
    if (!raw) return undefined;
    if (!param.choices.includes(raw)) throw new FieldError(`Choose one of: ${param.choices.join(", ")}.`);
    return raw;
  },
  multi_enum(values) {
    const picked = values.filter(Boolean);
    return picked.length ? picked : undefined;
  },
  stop(values) {
    // Not trimmed: a lone space or newline is a legitimate stop sequence.
    const sequences = values.filter(Boolean).map(decodeEscapes);
    return sequences.length ? sequences : undefined;
  },
  json(values) {
    const raw = single(values);
    return raw ? json(raw) : undefined;
  },
  choice_or_json(values, param) {
    const raw = single(values);
    if (!raw) return undefined;
    if (param.choices.includes(raw)) return raw;
    if (raw.startsWith("{") || raw.startsWith("[")) return json(raw);
    throw new FieldError(`Enter ${param.choices.join(", ")}, or a JSON object.`);
  },
};
PARSERS.string = PARSERS.text;
PARSERS.model = PARSERS.text;
for (const kind of ["token_bias", "key_values", "messages"]) PARSERS[kind] = PARSERS.json;

// Model first, then messages, then the options in registry order: the order people read.
function namesInBodyOrder() {
  const names = Object.keys(registry.params);
  return ["model", "messages", ...names.filter((name) => name !== "model" && name !== "messages")];
}

// {body, errors}: every option the form sets, and a message for each field that can't be read.
export function readBody() {
  const body = {};
  const errors = {};
  for (const name of namesInBodyOrder()) {
    const param = registry.params[name];
    try {
      const value = PARSERS[param.kind](enabledValues(name), param);
      if (value !== undefined) body[name] = value;
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      errors[name] = [error.message];
    }
  }
  return { body, errors };
}

function formatted(param, value) {
  if (value === undefined || value === null) return "";
  switch (param.kind) {
    case "bool": case "float": case "int": case "string": case "model": case "enum":
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    case "choice_or_json":
      return typeof value === "string" ? value : JSON.stringify(value);
    default:
      return pretty(value);
  }
}

// A select shows any value, even one it has no option for (a new enum value, a custom tool choice).
function selectValue(select, value) {
  if (value && ![...select.options].some((option) => option.value === value)) {
    const option = new Option(value.length > 40 ? `${value.slice(0, 40)}…` : value, value);
    option.dataset.added = "";
    select.append(option);
  }
  select.value = value;
}

function writeList(fields, values) {
  fields.forEach((field, index) => { field.value = values[index] ?? ""; });
}

// Put one option's value (undefined = unset) into its field(s) and tell the editors.
export function writeField(name, value) {
  const param = registry.params[name];
  const fields = fieldsNamed(name);
  if (!param || !fields.length) return;
  if (param.kind === "stop") {
    const sequences = value === undefined || value === null ? [] : [].concat(value);
    writeList(fields, sequences.map((sequence) => encodeEscapes(String(sequence))));
  } else if (param.kind === "multi_enum") {
    const picked = value === undefined || value === null ? [] : [].concat(value).map(String);
    fields.forEach((field) => { field.checked = picked.includes(field.value); });
  } else {
    const text = formatted(param, value);
    fields.forEach((field) => {
      if (field.tagName === "SELECT") selectValue(field, text);
      else field.value = text;
    });
  }
  fields.forEach((field) => fire(field, LOADED));
}

export function clearField(name) {
  writeField(name, undefined);
}
