// The panel's foot: the raw JSON dialog (the body as the server builds it from the fields; edit it
// or paste one, and Apply asks the server for its field values), the "view code" dialog (rendered
// by the server, with tabs and copy buttons) and loading presets (the server gives field values).

import { postForServer, formBody } from "./params-util.js";

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

function say(slot, message) {
  slot.textContent = message;
  slot.hidden = !message;
}

function leftOut(errors) {
  const names = Object.keys(errors || {});
  return names.length ? `Not readable yet, so left out: ${names.join(", ")}. Fix them in the panel.` : "";
}

function setupRawJson({ readFields, fillFields, panel }) {
  const dialog = document.getElementById("raw-dialog");
  const textarea = document.getElementById("raw-json");
  const errorLine = dialog.querySelector("[data-raw-error]");
  const unknownLine = dialog.querySelector("[data-raw-unknown]");

  document.getElementById("open-raw").addEventListener("click", async () => {
    say(errorLine, "");
    say(unknownLine, "");
    textarea.value = "";
    textarea.removeAttribute("aria-invalid");
    // Read-only until the server's body is in, so nothing typed meanwhile is overwritten.
    textarea.readOnly = true;
    dialog.showModal();
    try {
      const answer = await postForServer(panel.dataset.bodyUrl, formBody(readFields()));
      textarea.value = answer.text;
      say(unknownLine, leftOut(answer.errors));
    } catch (error) {
      say(errorLine, `Could not build the body: ${error.message}`);
    } finally {
      textarea.readOnly = false;
    }
    textarea.focus();
  });

  document.getElementById("raw-apply").addEventListener("click", async () => {
    let answer;
    try {
      answer = await postForServer(panel.dataset.fillUrl, new URLSearchParams({ text: textarea.value }));
    } catch (error) {
      say(errorLine, `Could not apply it: ${error.message}`);
      return;
    }
    const problems = Object.values(answer.errors).flat();
    say(errorLine, problems.join(" "));
    if (problems.length) {
      textarea.setAttribute("aria-invalid", "true");
      if (answer.at) selectPosition(textarea, answer.at.line, answer.at.column);
      return;
    }
    textarea.removeAttribute("aria-invalid");
    fillFields(answer.values);
    if (answer.unknown.length) {
      say(unknownLine, `Applied. Not Chat Completions parameters, so left out: ${answer.unknown.join(", ")}.`);
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

// A preset keeps the conversation, and the model when it names none: its field values say so.
function setupPresets({ fillFields }) {
  const list = document.getElementById("preset-list");
  list.addEventListener("click", async (event) => {
    const button = event.target.closest(".preset-load");
    if (!button) return;
    const response = await fetch(button.dataset.loadUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      button.title = `Could not load this preset (HTTP ${response.status}).`;
      return;
    }
    fillFields((await response.json()).values);
  });
}

export function setupDialogs(api) {
  document.querySelectorAll("[data-close-dialog]").forEach((button) =>
    button.addEventListener("click", () => button.closest("dialog").close()));
  setupRawJson(api);
  setupCode();
  setupPresets(api);
}
