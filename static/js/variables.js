// Prompt variables in the playground: the server lists the {{name}} placeholders of the messages,
// each with a value box named `variables.<name>`; the boxes belong to the request form, so the run
// sends them with the other fields and the server fills the messages. This module only asks the
// server again when the messages change, keeping what was typed.

const box = document.getElementById("variables");
const form = document.getElementById("request-form");
const messagesField = document.getElementById("f-messages");
let lastSent = null;
let timer = null;

function refresh() {
  if (!box || !messagesField || !window.htmx) return;
  const text = messagesField.value;
  if (text === lastSent) return;
  lastSent = text;
  const values = { messages: text };
  box.querySelectorAll("[data-variable]").forEach((input) => { values[input.name] = input.value; });
  window.htmx.ajax("POST", box.dataset.url, { target: "#variables", swap: "innerHTML", values });
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(refresh, 300);
}

if (box && form) {
  form.addEventListener("input", (event) => { if (!event.target.closest("[data-variables]")) soon(); });
  form.addEventListener("change", soon);
  // The messages editor also rewrites the messages field itself (loading a session, a branch):
  // a cheap look once a second catches those.
  setInterval(refresh, 1000);
  refresh();
}
