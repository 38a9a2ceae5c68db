// Runs in the browser: start, stream, stop, re-attach. Streamed text is appended as text nodes,
// batched once per animation frame, so a fast answer never blocks the page; the finished answer
// is swapped for the server's sanitized markdown once.
import { send, onFrame } from "./socket.js";
import { setRequest, showErrors } from "./panel.js";
import { errorSummary } from "./panel-errors.js";
import { activate, continueColumns, isComparing } from "./compare.js";
import { runStartMessage, rerunMessage } from "./request.js";
import { appendMessage } from "./messages.js";
import { renderTokens, probabilityClass } from "./runs-heatmap.js";

const pageData = JSON.parse(document.getElementById("page-data").textContent);
const form = document.getElementById("request-form");
const outputs = document.getElementById("outputs");
const runButton = document.getElementById("run-button");
const stopButton = document.getElementById("stop-button");
const feedback = document.getElementById("run-feedback");
const runs = new Map(); // run id -> view state
let conversation = pageData.conversation;
let refCounter = 0;
let pendingRef = null;
// The run the next one continues, when the user chose it (a branch, an edit, "continue from");
// otherwise the server finds it from the messages.
let nextParent = null;

function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

function say(text, kind = "info") {
  feedback.textContent = text;
  feedback.dataset.kind = kind;
}

function fmt(seconds) {
  if (seconds == null) return "–";
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}

// ---- view state ---------------------------------------------------------------------------

function runView(frame) {
  let view = runs.get(frame.run);
  if (view) return view;
  const el = clone("run-template");
  el.dataset.run = frame.run;
  view = { id: frame.run, el, nextSeq: 0, choices: new Map(), status: "streaming", tokens: 0, ttft: null, elapsed: 0, request: frame.request || {} };
  el.querySelector(".run-stop").addEventListener("click", () => cancel(view.id));
  el.querySelector(".run-rerun").addEventListener("click", () => rerun(view));
  el.querySelector(".run-edit").addEventListener("click", () => setRequest(view.request, view.providerId));
  el.querySelector(".run-playback").href = `/sessions/runs/${frame.run}/playback`;
  el.querySelector(".run-body").href = `/sessions/runs/${frame.run}/request.json`;
  runs.set(frame.run, view);
  outputs.append(el);
  return view;
}

// Runs started together in compare mode sit side by side in one row, headed by what differs.
const comparisons = new Map();

function placeInComparison(view, frame) {
  if (!frame.comparison) return;
  let row = comparisons.get(frame.comparison);
  if (!row) {
    const el = clone("comparison-template");
    row = { el, views: [] };
    comparisons.set(frame.comparison, row);
    outputs.insertBefore(el, view.el);
  }
  if (!row.views.includes(view)) row.views.push(view);
  view.column = frame.column;
  row.views.sort((a, b) => a.column - b.column);
  const holder = row.el.querySelector(".comparison-columns");
  row.views.forEach((v) => holder.append(v.el));
  holder.dataset.count = row.views.length;
  // What differs, computed and labelled by the server (runs/differences.py), sent with run.started.
  const differing = frame.differences || [];
  const list = row.el.querySelector(".comparison-diff");
  list.replaceChildren();
  for (const { label, values } of differing) {
    const term = Object.assign(document.createElement("dt"), { textContent: label });
    const detail = document.createElement("dd");
    values.forEach((value, i) => {
      const chip = document.createElement("span");
      chip.className = "diff-chip";
      chip.textContent = `${i + 1}: ${value}`;
      detail.append(chip);
    });
    list.append(term, detail);
  }
  const links = row.el.querySelector(".comparison-links");
  links.replaceChildren(
    ...row.views.slice(1).map((other, i) => Object.assign(document.createElement("a"), {
      href: `/sessions/diff?a=${row.views[0].id}&b=${other.id}`,
      target: "_blank",
      rel: "noopener",
      className: "comparison-diff-link",
      textContent: `Diff 1 ↔ ${i + 2}`,
    })),
  );
  row.el.querySelector(".comparison-title").textContent = differing.length
    ? `${row.views.length} columns · differing parameters`
    : `${row.views.length} columns · same parameters`;
}

function describe(view, frame) {
  view.el.querySelector(".run-model").textContent = frame.model || "";
  view.el.querySelector(".run-provider").textContent = frame.provider ? `via ${frame.provider}` : "";
  view.request = frame.request || view.request;
  view.providerId = frame.provider_id;
  view.comparison = frame.comparison;
  placeInComparison(view, frame);
}

function choiceView(view, index) {
  let choice = view.choices.get(index);
  if (choice) return choice;
  const el = clone("choice-template");
  choice = { el, text: el.querySelector(".choice-text"), buffer: "", tokens: [], content: "", tools: new Map(), audio: [], transcript: "", refusal: "" };
  // Several choices: each is labelled (the first too, once a second one appears).
  if (index > 0) {
    for (const [i, other] of [...view.choices.entries(), [index, { el }]]) {
      const label = other.el.querySelector(".choice-label");
      label.hidden = false;
      label.textContent = `Choice ${i + 1}`;
    }
  }
  el.querySelector(".choice-continue").addEventListener("click", () => continueFrom(view, index));
  el.querySelector(".choice-copy").addEventListener("click", () => navigator.clipboard?.writeText(choice.content));
  const holder = view.el.querySelector(".run-choices");
  const after = [...holder.children].find((c) => Number(c.dataset.index) > index);
  el.dataset.index = index;
  holder.insertBefore(el, after || null);
  view.choices.set(index, choice);
  return choice;
}

function setStatus(view, status, label) {
  view.status = status;
  view.el.dataset.status = status;
  view.el.querySelector(".run-status").textContent = label || status;
  view.el.querySelector(".run-stop").hidden = status !== "streaming";
  view.el.querySelector(".run-actions").hidden = status === "streaming" || !pageData.can_write;
  updateControls();
}

function updateMetrics(view, metrics) {
  const ttft = metrics ? metrics.time_to_first_token : view.ttft;
  const tokens = metrics ? metrics.output_tokens : view.tokens;
  let rate = metrics ? metrics.tokens_per_second : null;
  if (!metrics && view.ttft != null && view.elapsed > view.ttft) rate = view.tokens / (view.elapsed - view.ttft);
  const parts = [`first token ${fmt(ttft)}`, `${tokens || 0} tokens`];
  if (rate) parts.push(`${rate.toFixed(1)} tok/s`);
  if (metrics && metrics.total_time != null) parts.push(`total ${fmt(metrics.total_time)}`);
  if (metrics && metrics.cost != null) parts.push(`$${Number(metrics.cost).toFixed(6).replace(/0+$/, "").replace(/\.$/, "")}`);
  view.el.querySelector(".run-metrics").textContent = parts.join(" · ");
}

// ---- painting, once per animation frame ----------------------------------------------------

const dirty = new Set();
let scheduled = false;

function schedulePaint(choice) {
  dirty.add(choice);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(paint);
  }
}

function paint() {
  scheduled = false;
  for (const choice of dirty) {
    if (choice.tokens.length) {
      choice.text.append(renderTokens(choice.tokens));
      choice.tokens = [];
    } else if (choice.buffer) {
      choice.text.append(document.createTextNode(choice.buffer));
    }
    choice.buffer = "";
  }
  dirty.clear();
}

function applyChoiceDelta(view, delta) {
  const choice = choiceView(view, delta.index);
  if (delta.content) {
    choice.content += delta.content;
    if (delta.logprobs && delta.logprobs.length) choice.tokens.push(...delta.logprobs);
    else choice.buffer += delta.content;
    view.tokens += delta.logprobs ? delta.logprobs.length : 1;
    schedulePaint(choice);
  } else if (delta.logprobs) {
    view.tokens += delta.logprobs.length;
  }
  if (delta.refusal) {
    choice.refusal += delta.refusal;
    const box = choice.el.querySelector(".choice-refusal");
    box.hidden = false;
    box.textContent = `Refused: ${choice.refusal}`;
  }
  for (const call of delta.tool_calls || []) applyToolCall(choice, call);
  if (delta.function_call) applyToolCall(choice, { index: 0, name: delta.function_call.name, arguments: delta.function_call.arguments });
  if (delta.audio) {
    if (delta.audio.data) choice.audio.push(delta.audio.data);
    if (delta.audio.transcript) {
      choice.transcript += delta.audio.transcript;
      choice.buffer += delta.audio.transcript;
      schedulePaint(choice);
    }
  }
  if (delta.finish_reason) choice.el.querySelector(".choice-finish").textContent = `finish: ${delta.finish_reason}`;
}

function applyToolCall(choice, call) {
  let tool = choice.tools.get(call.index);
  if (!tool) {
    const el = clone("tool-call-template");
    tool = { el, id: "", name: "", args: "" };
    const box = choice.el.querySelector(".choice-tools");
    box.hidden = false;
    box.append(el);
    choice.tools.set(call.index, tool);
  }
  if (call.id) tool.id = call.id;
  if (call.name) tool.name = call.name;
  if (call.arguments) {
    tool.args += call.arguments;
    tool.el.querySelector(".tool-call-args").append(document.createTextNode(call.arguments));
  }
  tool.el.querySelector(".tool-call-name").textContent = tool.name;
  tool.el.querySelector(".tool-call-id").textContent = tool.id;
}

function finishChoices(view, choices) {
  paint();
  for (const done of choices || []) {
    const choice = choiceView(view, done.index);
    if (done.finish_reason) choice.el.querySelector(".choice-finish").textContent = `finish: ${done.finish_reason}`;
    const hasHeatmap = choice.text.querySelector(".tok");
    if (done.html && !hasHeatmap && choice.content) {
      choice.text.innerHTML = done.html; // sanitized server-side (nh3); CSP forbids scripts anyway
      choice.text.classList.add("md");
    }
    if (choice.audio.length) attachAudio(view, choice);
    const finished = view.status === "completed";
    choice.el.querySelector(".choice-continue").hidden = !finished || !pageData.can_write;
    choice.el.querySelector(".choice-copy").hidden = !choice.content;
  }
}

// The audio's type from its first bytes (the answer does not say which format was asked for).
function audioType(bytes) {
  const head = String.fromCharCode(...bytes.slice(0, 4));
  if (head === "RIFF") return "audio/wav";
  if (head === "OggS") return "audio/ogg";
  if (head === "fLaC") return "audio/flac";
  if (head.startsWith("ID3") || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0)) return "audio/mpeg";
  return "application/octet-stream";
}

function attachAudio(view, choice) {
  const bytes = Uint8Array.from(atob(choice.audio.join("")), (c) => c.charCodeAt(0));
  const box = choice.el.querySelector(".choice-audio");
  box.hidden = false;
  box.replaceChildren();
  const player = document.createElement("audio");
  player.controls = true;
  player.src = URL.createObjectURL(new Blob([bytes], { type: audioType(bytes) }));
  box.append(player);
}

function showNotices(view, notices) {
  const box = view.el.querySelector(".run-notice");
  box.hidden = !(notices && notices.length);
  box.replaceChildren(...(notices || []).map((text) => Object.assign(document.createElement("p"), { textContent: text })));
}

function showError(view, error) {
  const box = view.el.querySelector(".run-error");
  box.hidden = false;
  box.replaceChildren();
  const title = document.createElement("strong");
  title.textContent = error.status ? `The provider answered ${error.status}: ` : "The run failed: ";
  const message = document.createElement("span");
  message.textContent = error.message || "unknown error";
  box.append(title, message);
  if (error.hint) box.append(Object.assign(document.createElement("p"), { className: "hint", textContent: error.hint }));
  if (error.request_id) box.append(Object.assign(document.createElement("p"), { className: "muted small", textContent: `Request id: ${error.request_id}` }));
}

const STATUS_LABEL = { completed: "Done", cancelled: "Stopped", failed: "Failed", interrupted: "Interrupted", streaming: "Streaming…" };

function finish(view, frame) {
  setStatus(view, frame.status, STATUS_LABEL[frame.status]);
  view.elapsed = frame.metrics ? frame.metrics.total_time : view.elapsed;
  updateMetrics(view, frame.metrics);
  finishChoices(view, frame.choices);
  showNotices(view, frame.notices);
  if (frame.error) showError(view, frame.error);
  const foot = view.el.querySelector(".run-foot");
  if (frame.usage) {
    foot.hidden = false;
    foot.textContent = `usage: ${frame.usage.prompt_tokens ?? "?"} prompt + ${frame.usage.completion_tokens ?? "?"} completion = ${frame.usage.total_tokens ?? "?"} tokens`;
  }
}

// ---- frames ------------------------------------------------------------------------------

function inOrder(frame) {
  const view = runView(frame);
  if (frame.seq < view.nextSeq) return null; // already seen (a re-attach overlaps)
  if (frame.seq > view.nextSeq) {
    send({ type: "run.attach", run: frame.run, after: view.nextSeq - 1 });
    return null;
  }
  view.nextSeq = frame.seq + 1;
  return view;
}

onFrame("run.started", (frame) => {
  const view = inOrder(frame);
  if (!view) return;
  describe(view, frame);
  if (frame.conversation === conversation && frame.conversation_title) {
    document.getElementById("session-title").textContent = frame.conversation_title;
    document.title = `${frame.conversation_title} · Chat Playground`;
  }
  setStatus(view, "streaming", "Waiting for the first token…");
  updateMetrics(view);
});

onFrame("run.retrying", (frame) => {
  const view = inOrder(frame);
  if (view) setStatus(view, "streaming", `Retrying in ${frame.delay}s (attempt ${frame.attempt}): ${frame.message}`);
});

onFrame("run.delta", (frame) => {
  const view = inOrder(frame);
  if (!view) return;
  if (view.ttft == null) {
    view.ttft = frame.elapsed;
    setStatus(view, "streaming", STATUS_LABEL.streaming);
  }
  view.elapsed = frame.elapsed;
  for (const delta of frame.choices) applyChoiceDelta(view, delta);
  updateMetrics(view);
});

onFrame("run.finished", (frame) => {
  const view = inOrder(frame);
  if (view) finish(view, frame);
});

onFrame("run.error", (frame) => {
  const view = inOrder(frame);
  if (view) finish(view, frame);
});

onFrame("run.snapshot", (frame) => {
  const view = runView(frame);
  describe(view, frame);
  view.choices.forEach((c) => c.el.remove());
  view.choices.clear();
  for (const choice of frame.choices) {
    applyChoiceDelta(view, { index: choice.index, content: choice.content, refusal: choice.refusal, logprobs: choice.logprobs, finish_reason: choice.finish_reason });
    for (const [i, call] of (choice.tool_calls || []).entries()) applyToolCall(choiceView(view, choice.index), { index: i, id: call.id, name: call.function.name, arguments: call.function.arguments });
    if (choice.audio && choice.audio.data) Object.assign(choiceView(view, choice.index), { audio: [choice.audio.data] });
  }
  view.nextSeq = Infinity;
  finish(view, frame);
});

onFrame("run.accepted", (frame) => {
  if (frame.ref === pendingRef) pendingRef = null;
  if (frame.conversation && frame.conversation !== conversation) {
    conversation = frame.conversation;
    history.replaceState(null, "", `/s/${conversation}/`);
  }
  say("");
  updateControls();
});

// Refused before anything started: the errors are per column, then per field. The first column
// with errors is shown in the panel, its errors at their fields, and named in the run bar.
onFrame("run.rejected", (frame) => {
  if (frame.ref === pendingRef) pendingRef = null;
  const byColumn = Object.entries(frame.errors || {}).sort(([a], [b]) => Number(a) - Number(b));
  const [column, errors] = byColumn[0] || [null, {}];
  if (column !== null && isComparing()) activate(Number(column));
  const summary = errorSummary(showErrors(errors));
  const where = column !== null && isComparing() ? `Column ${Number(column) + 1}: ` : "";
  say(summary ? `${frame.message} ${where}${summary}` : frame.message, "error");
  updateControls();
});

onFrame("error", (frame) => {
  if (frame.ref && frame.ref === pendingRef) pendingRef = null;
  say(frame.message, "error");
  updateControls();
});

onFrame("socket.open", () => {
  // After a reconnect, pick every live run up where this page left it.
  for (const view of runs.values()) {
    if (view.status === "streaming") send({ type: "run.attach", run: view.id, after: view.nextSeq - 1 });
  }
});

// ---- actions -----------------------------------------------------------------------------

function liveRuns() {
  return [...runs.values()].filter((v) => v.status === "streaming");
}

function updateControls() {
  const live = liveRuns().length > 0;
  stopButton.hidden = !live;
  runButton.disabled = pendingRef !== null || !pageData.can_write;
  runButton.textContent = pendingRef !== null ? "Starting…" : "Run";
}

// The form as entered goes to the server, which parses and validates it (run.rejected if not).
export function startRun() {
  if (pendingRef !== null) return;
  showErrors({});
  pendingRef = `r${++refCounter}`;
  send(runStartMessage({ ref: pendingRef, conversation, parent: nextParent }));
  nextParent = null;
  say("Starting…");
  updateControls();
}

function rerun(view) {
  // The stored request, unchanged: the server sends the provider the same bytes again.
  pendingRef = `r${++refCounter}`;
  send(rerunMessage(view.id, { ref: pendingRef }));
  updateControls();
}

function cancel(runId) {
  send({ type: "run.cancel", run: runId });
}

function continueFrom(view, index) {
  const choice = view.choices.get(index);
  const message = { role: "assistant", content: choice.content || null };
  const calls = [...choice.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.args } }));
  if (calls.length) message.tool_calls = calls;
  if (isComparing() && view.comparison) {
    // Each column continues from its own answer; the shared list only gets the next user turn.
    const row = [...runs.values()].filter((other) => other.comparison === view.comparison);
    continueColumns(Object.fromEntries(row.map((other) => [other.column, other.id])));
    appendMessage({ role: "user", content: "" });
    return;
  }
  nextParent = view.id;
  appendMessage(message);
  if (calls.length) calls.forEach((call) => appendMessage({ role: "tool", tool_call_id: call.id, content: "" }));
  else appendMessage({ role: "user", content: "" });
}

for (const name of ["playground:branch", "playground:edit"]) {
  window.addEventListener(name, (event) => {
    nextParent = (event.detail && event.detail.parent) || null;
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  startRun();
});
stopButton.addEventListener("click", () => liveRuns().forEach((v) => cancel(v.id)));
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    startRun();
  } else if (event.key === "Escape" && liveRuns().length) {
    liveRuns().forEach((v) => cancel(v.id));
  }
});

for (const runId of pageData.runs || []) send({ type: "run.attach", run: runId, after: -1 });
updateControls();
export { probabilityClass };
