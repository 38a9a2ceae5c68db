// Cross-field rules the panel shows while the user edits (the server checks the same ones in
// playground/params/rules.py): an option that can't be combined with another is disabled while it
// is empty, and says why. Disabled fields are never sent.

import { fieldsNamed } from "./params-util.js";

function valueOf(name) {
  const fields = fieldsNamed(name);
  return fields.find((field) => field.type !== "checkbox" || field.checked)?.value ?? "";
}

export function isSet(name) {
  return fieldsNamed(name).some((field) =>
    field.type === "checkbox" ? field.checked : field.value.trim() !== "");
}

const RULES = [
  { target: "top_logprobs", blocked: () => valueOf("logprobs") !== "true",
    note: "Needs Logprobs set to true: alternatives come with the log probabilities." },
  { target: "max_tokens", blocked: () => isSet("max_completion_tokens"),
    note: "Max completion tokens is set; a request takes one limit or the other, not both." },
  { target: "max_completion_tokens", blocked: () => isSet("max_tokens"),
    note: "Max tokens (deprecated) is set; unset it to use this limit instead." },
  { target: "stream_options", blocked: () => valueOf("stream") !== "true",
    note: "Only applies when Stream is true." },
  { target: "functions", blocked: () => isSet("tools") || isSet("tool_choice"),
    note: "Tools is set: Functions can't be sent together with Tools." },
  { target: "function_call", blocked: () => isSet("tools") || isSet("tool_choice"),
    note: "Tools is set: Function call can't be sent together with Tools." },
  { target: "tools", blocked: () => isSet("functions") || isSet("function_call"),
    note: "The deprecated Functions is set: use Tools or Functions, not both." },
  { target: "tool_choice", blocked: () => isSet("functions") || isSet("function_call"),
    note: "The deprecated Functions is set: use Tool choice or Function call, not both." },
  // Advice only: the field stays usable.
  { target: "audio", advice: true, blocked: () => fieldsNamed("modalities").some((box) => box.checked && box.value === "audio"),
    note: "Modalities includes audio: choose a voice and a format." },
];

function controlsOf(param) {
  return param.querySelectorAll("input, select, textarea, button:not([data-unset])");
}

// Apply every rule to the panel rooted at `root`.
export function applyRules(root) {
  for (const rule of RULES) {
    const param = root.querySelector(`.param[data-param="${rule.target}"]`);
    if (!param) continue;
    const blocked = rule.blocked();
    const disable = blocked && !rule.advice && !isSet(rule.target);
    controlsOf(param).forEach((control) => { control.disabled = disable; });
    param.classList.toggle("is-blocked", disable);
    const note = param.querySelector("[data-rule-note]");
    const showNote = blocked && !(rule.advice && isSet(rule.target));
    note.textContent = showNote ? rule.note : "";
    note.hidden = !showNote;
  }
}
