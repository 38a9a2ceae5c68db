// The run bar's message line: what happened to the last start, and, when the server refused it,
// each field at fault, named as the page labels it, with a button that takes the user there.
import { clone } from "./dom.js";

const feedback = document.getElementById("run-feedback");

export function say(text, kind = "info") {
  feedback.textContent = text;
  feedback.dataset.kind = text ? kind : "";
}

// The first control of a field; the shell opens the drawer or group it is in.
function fieldOf(name) {
  const errors = document.querySelector(`[data-errors-for="${CSS.escape(name)}"]`);
  const holder = errors?.closest("[data-param], .picker-field, .messages-editor");
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

// shown: [{name, label, messages}] as the panel's showErrors gives them back ("__all__" and
// errors without a field of their own come without a label).
export function explainErrors(shown, lead) {
  const box = clone("runbar-errors-template");
  box.querySelector(".runbar-errors-lead").textContent = lead || "Fix these first:";
  box.querySelector(".runbar-error-list").replaceChildren(...shown.flatMap(({ name, label, messages }) => messages.map((message) => {
    const item = clone("runbar-error-template");
    const button = item.querySelector(".runbar-error-field");
    if (!label) button.remove();
    else {
      button.textContent = `${label}:`;
      button.addEventListener("click", () => goTo(name));
    }
    item.querySelector(".runbar-error-text").textContent = message;
    return item;
  })));
  feedback.replaceChildren(box);
  feedback.dataset.kind = "error";
}
