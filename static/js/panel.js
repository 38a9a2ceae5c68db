// The parameter panel: search, unset, sliders, cross-field rules, validation as the user types,
// and the API other modules use to read and fill the request.
//   getRequest() -> {provider, body, errors}   body: model, messages and only the options set
//   setRequest(body, provider?) -> {unknown}    fill every control and the messages from a body
//   showErrors(errors)                          errors keyed by option, as validate_body gives them

import { registry, form, fieldsNamed, debounce, CHANGED, LOADED, grow } from "./params-util.js";
import { readBody, writeField } from "./params-fields.js";
import { setupRowEditors } from "./params-rows.js";
import { setupStructuredEditors } from "./params-structured.js";
import { applyRules } from "./params-rules.js";
import { setupDialogs } from "./params-dialogs.js";
import { getMessages, setMessages } from "./messages.js";

const panel = document.querySelector("#panel .panel");
const feedback = document.getElementById("panel-feedback");
const VALIDATE_DELAY = 600;

export function getRequest() {
  const { body, errors } = readBody();
  const provider = fieldsNamed("provider")[0];
  return { provider: provider && !provider.disabled ? provider.value : null, body, errors };
}

function chooseProvider(provider) {
  const select = fieldsNamed("provider")[0];
  if (!provider || !select || ![...select.options].some((option) => option.value === provider)) return;
  if (select.value === provider) return;
  select.value = provider;
  select.dispatchEvent(new Event("change", { bubbles: true }));
}

export function setRequest(body, provider) {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new TypeError("setRequest needs a request body object");
  for (const name of Object.keys(registry.params)) {
    if (name !== "messages") writeField(name, body[name]);
  }
  // A body without messages (a preset) leaves the conversation alone.
  if ("messages" in body) setMessages(body.messages);
  chooseProvider(provider);
  refreshAll();
  scheduleValidation();
  return { unknown: Object.keys(body).filter((name) => !(name in registry.params)) };
}

// A preset keeps the current conversation, and the current model when it names none.
function loadParams(params) {
  const model = fieldsNamed("model")[0]?.value;
  setRequest({ model, ...params, messages: getMessages() });
}

// Error lists, and aria-invalid on the fields they belong to.

function fieldsOf(name) {
  const main = document.getElementById(`f-${name}-main`);
  return main ? [...fieldsNamed(name), main] : fieldsNamed(name);
}

function markInvalid() {
  panel.querySelectorAll(".param-group").forEach((group) => group.classList.remove("has-errors"));
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
  list.replaceChildren(...messages.map((message) => {
    const item = document.createElement("li");
    item.textContent = message;
    return item;
  }));
}

export function showErrors(errors = {}) {
  for (const list of document.querySelectorAll("[data-errors-for]")) {
    fillList(list, errors[list.dataset.errorsFor] || []);
  }
  const general = Object.entries(errors).filter(([name]) => !document.getElementById(`errors-${name}`));
  const box = document.createElement("ul");
  box.className = "panel-errors";
  fillList(box, general.flatMap(([name, messages]) => messages.map((m) => (name === "__all__" ? m : `${name}: ${m}`))));
  feedback.replaceChildren(...(general.length ? [box] : []));
  markInvalid();
}

// Validation as the user edits: the server's validator, on the whole form, debounced.

function validateNow() {
  if (!window.htmx) return;
  window.htmx.ajax("POST", `${panel.dataset.validateUrl}?draft=1`, { source: form, target: "#panel-feedback", swap: "innerHTML" });
}
const scheduleValidation = debounce(validateNow, VALIDATE_DELAY);
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target === feedback) markInvalid();
});

// Set / unset state.

function refreshParam(param) {
  const name = param.dataset.param;
  const set = fieldsNamed(name).some((field) => !field.disabled && (field.type === "checkbox" ? field.checked : field.value.trim() !== ""));
  param.classList.toggle("is-set", set);
  param.querySelector("[data-unset]").hidden = !set;
}

function refreshCounts() {
  let total = 0;
  for (const group of panel.querySelectorAll(".param-group")) {
    const count = group.querySelectorAll(".param.is-set").length;
    total += count;
    group.querySelector("[data-group-count]").textContent = count ? `${count} set` : "";
  }
  document.getElementById("panel-set-count").textContent = total ? `${total} set` : "all unset";
}

function syncSlider(numberInput) {
  const slider = panel.querySelector(`[data-slider-for="${numberInput.id}"]`);
  if (!slider) return;
  slider.classList.toggle("is-unset", numberInput.value === "");
  if (numberInput.value !== "") slider.value = numberInput.value;
}

function refreshAll() {
  applyRules(panel);
  panel.querySelectorAll(".param").forEach(refreshParam);
  panel.querySelectorAll(".num-input").forEach(syncSlider);
  refreshCounts();
}

function onFieldEdited(event) {
  const field = event.target;
  if (field.form !== form || !field.name) return;
  if (field.classList.contains("num-input")) syncSlider(field);
  refreshAll();
  scheduleValidation();
}

// Search: options whose name, label or help contain every typed word.

function setupSearch() {
  const search = document.getElementById("panel-search");
  const empty = document.getElementById("panel-search-empty");
  const groups = [...panel.querySelectorAll(".param-group")];
  const openBefore = new Map();
  search.addEventListener("input", () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const group of groups) {
      if (words.length && !openBefore.has(group)) openBefore.set(group, group.open);
      let matches = 0;
      for (const param of group.querySelectorAll(".param")) {
        const match = words.every((word) => param.dataset.search.includes(word));
        param.hidden = !match;
        matches += match ? 1 : 0;
      }
      group.hidden = matches === 0;
      shown += matches;
      if (words.length) group.open = matches > 0;
      else if (openBefore.has(group)) group.open = openBefore.get(group);
    }
    if (!words.length) openBefore.clear();
    empty.hidden = shown > 0;
  });
}

function setupControls() {
  panel.addEventListener("input", (event) => {
    const slider = event.target.closest(".num-slider");
    if (!slider) return;
    const number = document.getElementById(slider.dataset.sliderFor);
    number.value = slider.value;
    number.dispatchEvent(new Event("input", { bubbles: true }));
  });
  panel.addEventListener("click", (event) => {
    const unset = event.target.closest("[data-unset]");
    if (unset) {
      const param = unset.closest(".param");
      writeField(param.dataset.param, undefined);
      refreshAll();
      scheduleValidation();
      param.querySelector("input, select, textarea")?.focus();
    }
    const example = event.target.closest("[data-use-example]");
    if (example) {
      writeField(example.dataset.useExample, registry.params[example.dataset.useExample].example);
      refreshAll();
      scheduleValidation();
    }
  });
  document.getElementById("unset-all").addEventListener("click", () => {
    for (const [name, param] of Object.entries(registry.params)) {
      if (param.inPanel) writeField(name, undefined);
    }
    refreshAll();
    scheduleValidation();
  });
  panel.addEventListener(LOADED, (event) => {
    if (event.target.classList?.contains("num-input")) syncSlider(event.target);
    if (event.target.tagName === "TEXTAREA") grow(event.target);
  });
}

for (const type of ["input", "change", CHANGED]) document.addEventListener(type, onFieldEdited);
setupControls();
setupRowEditors(panel);
setupStructuredEditors(panel);
setupSearch();
setupDialogs({ getRequest, setRequest, loadParams });
refreshAll();

window.playgroundPanel = { getRequest, setRequest, showErrors };
