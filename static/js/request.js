// The run messages the page sends: what the user entered, never a parsed body (the server parses
// and validates; see playground/runs/frames.py for the shapes).
//   runStartMessage({ref, conversation, parent}) -> {type: "run.start", ref, conversation, parent, fields, columns?}
//   rerunMessage(runId, {ref}) -> {type: "run.rerun", ref, run}
// One column: `fields` is the whole form. Compare mode: `fields` is what the columns share (the
// conversation, i.e. every field outside the panel) and each column sends its own panel fields and
// the run it continues (`after`).

import { readFields } from "./panel-fields.js";
import { isComparing, columnsForRun } from "./compare.js";

const panel = document.getElementById("panel");

export function runStartMessage({ ref, conversation = null, parent = null }) {
  const message = { type: "run.start", ref, conversation, parent };
  if (!isComparing()) return { ...message, fields: readFields() };
  return { ...message, fields: readFields({ outside: panel }), columns: columnsForRun() };
}

export function rerunMessage(runId, { ref }) {
  return { type: "run.rerun", ref, run: runId };
}
