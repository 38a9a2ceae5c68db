// The request form as the user filled it, and filling it again, by field name only. The browser
// never turns a field into a request value: it sends {name: [values]} and the server parses.
//   readFields({within?, outside?}) -> {name: [value, …]}   every enabled, non-empty field
//                                        (of the whole request form, or inside / outside an element)
//   fillFields(values)                   write {name: [value, …]} into the fields of those names

import { form, fieldsNamed, fire, LOADED } from "./params-util.js";

// Form plumbing that is not part of the request.
const NOT_SENT = new Set(["csrfmiddlewaretoken"]);
const NOT_VALUES = new Set(["submit", "button", "reset", "file"]);

function named(field) {
  return field.name && !NOT_SENT.has(field.name) && !NOT_VALUES.has(field.type);
}

// Disabled fields are left out: the panel disables an option that a rule does not allow now.
// With `within`, only the fields inside that element (the panel: one compare column's own).
export function readFields({ within = null, outside = null } = {}) {
  const values = {};
  for (const field of form.elements) {
    if (!named(field) || field.disabled) continue;
    if ((within && !within.contains(field)) || (outside && outside.contains(field))) continue;
    if ((field.type === "checkbox" || field.type === "radio") && !field.checked) continue;
    if (field.value === "") continue;
    (values[field.name] ||= []).push(field.value);
  }
  return values;
}

// A select shows any value, even one it has no option for (a new enum value, a custom choice),
// unless its options are all there is (data-closed, e.g. the provider).
function selectValue(select, value) {
  const known = [...select.options].some((option) => option.value === value);
  if (!known && "closed" in select.dataset) return false;
  select.querySelectorAll("option[data-added]").forEach((option) => {
    if (option.value !== value) option.remove();
  });
  if (value && !known) {
    const option = new Option(value.length > 40 ? `${value.slice(0, 40)}…` : value, value);
    option.dataset.added = "";
    select.append(option);
  }
  const changed = select.value !== value;
  select.value = value;
  return changed;
}

function fillNamed(fields, list) {
  if (fields.every((field) => field.type === "checkbox" || field.type === "radio")) {
    fields.forEach((field) => { field.checked = list.includes(field.value); });
  } else if (fields.length > 1) {
    // Several fields of one name (stop sequences) take the values in order.
    fields.forEach((field, index) => { field.value = list[index] ?? ""; });
  } else if (fields[0].tagName === "SELECT") {
    if (selectValue(fields[0], list[0] ?? "")) fields[0].dispatchEvent(new Event("change", { bubbles: true }));
  } else {
    fields[0].value = list[0] ?? "";
  }
}

// Names not in `values` are left as they are; an empty list clears (unsets) a field.
export function fillFields(values) {
  for (const [name, list] of Object.entries(values || {})) {
    const fields = fieldsNamed(name);
    if (!fields.length || NOT_SENT.has(name)) continue;
    fillNamed(fields, Array.isArray(list) ? list.map(String) : [String(list)]);
    fields.forEach((field) => fire(field, LOADED));
  }
}

// {name: []} for every field inside `root`: filling with it empties them (a closed select, the
// provider, keeps its choice).
export function emptyFields(root) {
  const names = [...form.elements].filter((field) => named(field) && root.contains(field)).map((field) => field.name);
  return Object.fromEntries(names.map((name) => [name, []]));
}

// The names of the panel's options, from the DOM (one .param per option).
export function optionNames(root = document) {
  return [...root.querySelectorAll(".param[data-param]")].map((param) => param.dataset.param);
}

// {name: []} for every option: filling with it unsets them all.
export function noOptions() {
  return Object.fromEntries(optionNames().map((name) => [name, []]));
}
