// The registry's rules between options, shown while the user edits. Each option's rules come
// from the server in its data-rules attribute (templates/params/param.html):
//   needs:        [{field, value, message}]   the option applies only while `field` has `value`
//   conflicts:    [{fields, message}]         it can't be sent with any of `fields`
//   requiredWhen: [{field, value, message}]   it must be set once `field` has `value`
// An option blocked by a need or a conflict is disabled while it is empty (disabled fields are
// not sent) and says why; the server checks the same rules, with the same sentences.

import { fieldsNamed } from "./params-util.js";

const parsed = new WeakMap();

function rulesOf(param) {
  if (!parsed.has(param)) parsed.set(param, JSON.parse(param.dataset.rules));
  return parsed.get(param);
}

// What a field would send: enabled, non-empty values (checked boxes only).
function sentValues(name) {
  return fieldsNamed(name)
    .filter((field) => !field.disabled && (field.type !== "checkbox" || field.checked) && field.value.trim() !== "")
    .map((field) => field.value);
}

// Whether the option holds a value, disabled or not.
export function hasValue(name) {
  return fieldsNamed(name).some((field) => (field.type === "checkbox" ? field.checked : field.value.trim() !== ""));
}

function controlsOf(param) {
  return param.querySelectorAll("input, select, textarea, button:not([data-unset])");
}

function check(param) {
  const rules = rulesOf(param);
  const set = hasValue(param.dataset.param);
  const blocking = [
    ...(rules.needs || []).filter((need) => !sentValues(need.field).includes(need.value)),
    ...(rules.conflicts || []).filter((conflict) => conflict.fields.some((name) => sentValues(name).length)),
  ];
  const advice = (rules.requiredWhen || []).filter((rule) => !set && sentValues(rule.field).includes(rule.value));
  return { disable: blocking.length > 0 && !set, note: (blocking[0] || advice[0])?.message || "" };
}

// Apply every option's rules in the panel rooted at `root`.
export function applyRules(root) {
  for (const param of root.querySelectorAll(".param[data-rules]")) {
    const { disable, note } = check(param);
    controlsOf(param).forEach((control) => { control.disabled = disable; });
    param.classList.toggle("is-blocked", disable);
    const slot = param.querySelector("[data-rule-note]");
    slot.textContent = note;
    slot.hidden = !note;
  }
}
