// The server's errors, shown where the user looks: at each field (the lists the templates give
// every field, data-errors-for), marked aria-invalid, their group opened; anything else in the
// panel's feedback box. Errors come keyed by field name, as validate_body and run.rejected give them.
//   showErrors(errors) -> [{name, label, messages}]   (empty errors clear them all)
//   errorSummary(shown) -> "Temperature: must be …"  one line naming the fields, for the run bar

import { fieldsNamed } from "./params-util.js";

const feedback = document.getElementById("panel-feedback");

function listFor(name) {
  return document.querySelector(`[data-errors-for="${CSS.escape(name)}"]`);
}

// A field's own controls plus its structured editor's first one (f-<name>-main), if any.
function fieldsOf(name) {
  const main = document.getElementById(`f-${name}-main`);
  return main ? [...fieldsNamed(name), main] : fieldsNamed(name);
}

// The field's label as the template gives it with its error list (data-label), else its name.
function labelOf(name) {
  return listFor(name)?.dataset.label || name;
}

export function markInvalid() {
  document.querySelectorAll(".param-group.has-errors").forEach((group) => group.classList.remove("has-errors"));
  for (const list of document.querySelectorAll("[data-errors-for]")) {
    const invalid = list.children.length > 0;
    fieldsOf(list.dataset.errorsFor).forEach((field) => {
      if (invalid) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
    if (invalid) list.closest(".param-group")?.classList.add("has-errors");
  }
}

function fillList(list, messages) {
  list.replaceChildren(...messages.map((message) => Object.assign(document.createElement("li"), { textContent: message })));
}

// A structured editor notes at the box the JSON was typed in why it does not parse, counted in the
// user's own text. The server's message is the same problem counted in the option's whole JSON: it
// stays out of sight at the field (panel.css) and the run bar repeats the note instead.
function localNote(name) {
  return listFor(name)?.parentElement.querySelector("[data-local-error]:not([hidden])")?.textContent || "";
}

export function showErrors(errors = {}) {
  for (const list of document.querySelectorAll("[data-errors-for]")) fillList(list, errors[list.dataset.errorsFor] || []);
  const general = Object.entries(errors).filter(([name]) => !listFor(name));
  const box = Object.assign(document.createElement("ul"), { className: "panel-errors" });
  fillList(box, general.flatMap(([name, messages]) => messages.map((m) => (name === "__all__" ? m : `${name}: ${m}`))));
  feedback.replaceChildren(...(general.length ? [box] : []));
  markInvalid();
  const shown = Object.entries(errors).map(([name, messages]) => ({
    name, label: name === "__all__" ? "" : labelOf(name), messages: localNote(name) ? [localNote(name)] : messages,
  }));
  revealFirst(shown);
  return shown;
}

// Open the group of the first field with an error and bring it into view inside the panel.
function revealFirst(shown) {
  const first = shown.map(({ name }) => listFor(name)).find(Boolean);
  const group = first?.closest("details");
  if (group && !group.open) group.open = true;
  first?.closest(".param, .picker-field")?.scrollIntoView({ block: "nearest" });
}

export function errorSummary(shown) {
  return shown.map(({ label, messages }) => (label ? `${label}: ${messages.join(" ")}` : messages.join(" "))).join(" · ");
}
