// The parameter panel: search, unset, sliders, the registry's rules as live notes, the server's
// validation as the user types, and the API other modules use to read and fill the request.
//   readFields() -> {name: [values]}     the whole request form as entered (disabled fields left out)
//   fillFields(values)                   write {name: [values]} into the form; names left out stay
//   fillFromBody(body, provider?)        ask the server for a body's field values, then fill them
//   setRequest(body, provider?)          the same (the older name, kept for callers)
//   getRequest() -> {provider, fields}   the form as entered, and the provider chosen
//   showErrors(errors) -> shown          errors keyed by field, at their fields

import { form, fieldsNamed, debounce, postForServer, CHANGED, LOADED, grow } from "./params-util.js";
import { readFields, fillFields as writeFields, noOptions } from "./panel-fields.js";
import { showErrors, markInvalid } from "./panel-errors.js";
import { setupRowEditors } from "./params-rows.js";
import { setupStructuredEditors } from "./params-structured.js";
import { applyRules, hasValue } from "./params-rules.js";
import { setupDialogs } from "./params-dialogs.js";

const panel = document.querySelector("#panel .panel");
const feedback = document.getElementById("panel-feedback");
const VALIDATE_DELAY = 400;

export { readFields, showErrors };

export function fillFields(values) {
  writeFields(values);
  refreshAll();
  scheduleValidation();
}

export function getRequest() {
  const provider = fieldsNamed("provider")[0];
  return { provider: provider && !provider.disabled ? provider.value || null : null, fields: readFields() };
}

// A body (a run's request, a branch, a pasted JSON) into the panel: the server gives its field
// values ({values, unknown}); unset options are cleared, and the messages follow when it has any.
export async function fillFromBody(body, provider) {
  let answer;
  try {
    answer = await postForServer(panel.dataset.fillUrl, new URLSearchParams({ text: JSON.stringify(body) }));
  } catch (error) {
    answer = { values: {}, unknown: [], errors: { __all__: [`Could not load that request into the panel: ${error.message}`] } };
  }
  showErrors(answer.errors);
  const chooser = fieldsNamed("provider")[0];
  fillFields(provider && chooser ? { ...answer.values, [chooser.name]: [provider] } : answer.values);
  return answer;
}
export const setRequest = fillFromBody;

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
  const set = hasValue(param.dataset.param);
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
      fillFields({ [param.dataset.param]: [] });
      param.querySelector("input, select, textarea")?.focus();
    }
    const example = event.target.closest("[data-use-example]");
    if (example) fillFields({ [example.dataset.useExample]: [example.dataset.example] });
  });
  document.getElementById("unset-all").addEventListener("click", () => fillFields(noOptions()));
  panel.addEventListener(LOADED, (event) => {
    if (event.target.classList?.contains("num-input")) syncSlider(event.target);
    if (event.target.tagName === "TEXTAREA") grow(event.target);
  });
}

// The model list arrived: with no model chosen yet, take the one the server suggests (the last
// used in this workspace, else the provider's first); never under the user's hands (the field
// has focus: they may be typing one).
function setupModelChoice() {
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const list = event.detail.target.querySelector?.("[data-preselect]");
    const model = document.getElementById("f-model");
    if (!list || !model || model.value.trim() || document.activeElement === model) return;
    fillFields({ [model.name]: [list.dataset.preselect] });
  });
}

for (const type of ["input", "change", CHANGED]) document.addEventListener(type, onFieldEdited);
setupControls();
setupRowEditors(panel);
setupStructuredEditors(panel);
setupSearch();
setupModelChoice();
setupDialogs({ readFields, fillFields, panel });
refreshAll();

window.playgroundPanel = { readFields, fillFields, fillFromBody, setRequest, getRequest, showErrors };
