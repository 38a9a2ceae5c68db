// The run bar's message line: what happened to the last start, and, when the server refused it,
// each field at fault, named as the page labels it, with a button that takes the user there.
import { clone } from "./dom.js";

const feedback = document.getElementById("run-feedback");

export function say(text, kind = "info") {
  feedback.textContent = text;
  feedback.dataset.kind = text ? kind : "";
}

// The label the page shows for a field: the panel's option label, or the editor's own.
function labelOf(name) {
  const param = document.querySelector(`[data-param="${CSS.escape(name)}"] .param-label`);
  if (param) return param.textContent.trim();
  const errors = document.getElementById(`errors-${name}`);
  return errors?.dataset.label || name;
}

// The first control of a field; the shell opens the drawer or group it is in.
function fieldOf(name) {
  const errors = document.getElementById(`errors-${name}`);
  const holder = errors?.closest("[data-param], .messages-editor");
  return holder?.querySelector("[aria-invalid=true], textarea, input:not([type=hidden]), select")
    || document.querySelector(`[name="${CSS.escape(name)}"]`);
}

export function goTo(name) {
  const field = fieldOf(name);
  if (!field) return;
  field.dispatchEvent(new CustomEvent("shell:reveal", { bubbles: true }));
  field.focus();
  field.scrollIntoView({ block: "center" });
}

// errors: {field name: [message, …]}; "__all__" holds what belongs to no one field.
export function explainErrors(errors, lead) {
  const box = clone("runbar-errors-template");
  box.querySelector(".runbar-errors-lead").textContent = lead || "Fix these first:";
  box.querySelector(".runbar-error-list").replaceChildren(...Object.entries(errors).flatMap(([name, messages]) => messages.map((message) => {
    const item = clone("runbar-error-template");
    const button = item.querySelector(".runbar-error-field");
    if (name === "__all__") button.remove();
    else {
      button.textContent = `${labelOf(name)}:`;
      button.addEventListener("click", () => goTo(name));
    }
    item.querySelector(".runbar-error-text").textContent = message;
    return item;
  })));
  feedback.replaceChildren(box);
  feedback.dataset.kind = "error";
}
