// The panel's foot: the raw JSON dialog (edit or paste a body, Apply fills the panel), the "view
// code" dialog (rendered by the server, with tabs and copy buttons) and loading presets.

import { registry, parseJson, pretty } from "./params-util.js";

function copyText(text, button) {
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  };
  navigator.clipboard?.writeText(text).then(done, () => { button.textContent = "Select and copy by hand"; });
}

function selectPosition(textarea, line, column) {
  const lines = textarea.value.split("\n");
  const offset = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
  textarea.focus();
  textarea.setSelectionRange(offset, Math.min(offset + 1, textarea.value.length));
}

function setupRawJson({ getRequest, setRequest }) {
  const dialog = document.getElementById("raw-dialog");
  const textarea = document.getElementById("raw-json");
  const errorLine = dialog.querySelector("[data-raw-error]");
  const unknownLine = dialog.querySelector("[data-raw-unknown]");

  function say(slot, message) {
    slot.textContent = message;
    slot.hidden = !message;
  }

  document.getElementById("open-raw").addEventListener("click", () => {
    textarea.value = pretty(getRequest().body);
    say(errorLine, "");
    say(unknownLine, "");
    dialog.showModal();
    textarea.focus();
  });

  document.getElementById("raw-apply").addEventListener("click", () => {
    const { value, error, line, column } = parseJson(textarea.value);
    if (error) {
      say(errorLine, error);
      textarea.setAttribute("aria-invalid", "true");
      selectPosition(textarea, line, column);
      return;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      say(errorLine, "The request body must be a JSON object: { … }.");
      return;
    }
    textarea.removeAttribute("aria-invalid");
    say(errorLine, "");
    const unknown = Object.keys(value).filter((name) => !(name in registry.params));
    setRequest(value);
    if (unknown.length) {
      say(unknownLine, `Applied. Not Chat Completions parameters, so left out: ${unknown.join(", ")}.`);
      return;
    }
    dialog.close();
  });

  document.getElementById("raw-copy").addEventListener("click", (event) => copyText(textarea.value, event.currentTarget));
}

function setupCode() {
  const dialog = document.getElementById("code-dialog");
  document.getElementById("open-code").addEventListener("click", () => dialog.showModal());
  dialog.addEventListener("click", (event) => {
    const tab = event.target.closest(".code-tab");
    if (tab) {
      dialog.querySelectorAll(".code-tab").forEach((other) => other.setAttribute("aria-selected", String(other === tab)));
      dialog.querySelectorAll(".code-pane").forEach((pane) => {
        pane.hidden = pane.id !== tab.getAttribute("aria-controls");
      });
    }
    const copy = event.target.closest("[data-copy]");
    if (copy) copyText(document.getElementById(copy.dataset.copy).textContent, copy);
  });
}

function setupPresets({ loadParams }) {
  const list = document.getElementById("preset-list");
  list.addEventListener("click", async (event) => {
    const button = event.target.closest(".preset-load");
    if (!button) return;
    const response = await fetch(button.dataset.loadUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      button.title = `Could not load this preset (HTTP ${response.status}).`;
      return;
    }
    const preset = await response.json();
    loadParams(preset.params);
  });
}

export function setupDialogs(api) {
  document.querySelectorAll("[data-close-dialog]").forEach((button) =>
    button.addEventListener("click", () => button.closest("dialog").close()));
  setupRawJson(api);
  setupCode();
  setupPresets(api);
}
