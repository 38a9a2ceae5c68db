// Run state: every run this page shows, each run's frames applied once and in order (a gap asks
// the server for the rest), and what the actions need: status, answer text, tool calls.
// Painting is run-card.js's, placing in the transcript transcript.js's.
import { send, onFrame } from "./socket.js";
import * as card from "./run-card.js";
import { addTurn, turnOf, setPrompt, placeInComparison, paintDifferences, reveal, showLatest } from "./transcript.js";

const pageData = JSON.parse(document.getElementById("page-data").textContent);
export const canWrite = Boolean(pageData.can_write);
const runs = new Map(); // run id -> view
export const changes = new EventTarget(); // "status": a run started or ended
let waitingForFirstPaint = 0;

const LIVE = new Set(["loading", "waiting", "streaming"]);

export function runOf(runId) {
  return runs.get(runId);
}

export function liveRuns() {
  return [...runs.values()].filter((view) => LIVE.has(view.status) && view.attached);
}

// A card for a run, at the end of the transcript (page order for a reopened session).
function track(runId) {
  let view = runs.get(runId);
  if (view) return view;
  const shown = card.createCard(runId);
  view = { id: runId, card: shown, nextSeq: 0, status: "loading", ttft: null, elapsed: 0, tokens: 0, choices: new Map(), attached: true };
  runs.set(runId, view);
  addTurn(shown.el);
  return view;
}

// A provider that has said nothing for this long may be stuck: the card says so, and how to stop.
const SLOW_FIRST_TOKEN_MS = 8000;

function watchFirstToken(view) {
  clearTimeout(view.slowTimer);
  view.slowTimer = setTimeout(() => {
    if (view.status !== "waiting") return;
    const seconds = Math.round(SLOW_FIRST_TOKEN_MS / 1000);
    setStatus(view, "waiting", { note: `No answer after ${seconds} s: the provider may be stuck. Stop it (Esc) or keep waiting.` });
  }, SLOW_FIRST_TOKEN_MS);
}

function setStatus(view, status, words = {}) {
  if (status !== "waiting") clearTimeout(view.slowTimer);
  view.status = status;
  card.setCardStatus(view.card, status, { ...words, canWrite });
  changes.dispatchEvent(new Event("status"));
}

function describe(view, frame) {
  view.column = frame.column;
  view.comparison = frame.comparison || "";
  view.providerId = frame.provider_id;
  view.request = frame.request || view.request;
  view.conversation = frame.conversation;
  view.variables = frame.variables || view.variables || [];
  card.describeCard(view.card, { model: frame.model, provider: frame.provider });
  setPrompt(turnOf(view.card.el), frame.new_messages);
  if (view.comparison) {
    placeInComparison(view.card.el, { run: view.id, comparison: view.comparison, column: view.column });
    // What differs, computed and labelled by the server (runs/differences.py).
    paintDifferences(view.comparison, frame.differences || []);
  }
}

function stateOf(view, index) {
  if (!view.choices.has(index)) view.choices.set(index, { content: "", calls: new Map(), sound: "" });
  return view.choices.get(index);
}

function applyDelta(view, delta) {
  const choice = stateOf(view, delta.index);
  if (delta.content) choice.content += delta.content;
  view.tokens += delta.logprobs ? delta.logprobs.length : delta.content ? 1 : 0;
  const calls = [...(delta.tool_calls || [])];
  if (delta.function_call) calls.push({ index: 0, ...delta.function_call });
  for (const call of calls) {
    const known = choice.calls.get(call.index) || { id: "", name: "", args: "" };
    known.id = call.id || known.id;
    known.name += call.name || "";
    known.args += call.arguments || "";
    choice.calls.set(call.index, known);
  }
  if (delta.audio?.data) choice.sound += delta.audio.data;
  card.paintDelta(view.card, { ...delta, tool_calls: calls });
}

function liveMetrics(view) {
  const rate = view.ttft != null && view.elapsed > view.ttft ? view.tokens / (view.elapsed - view.ttft) : null;
  card.paintMetrics(view.card, { ttft: view.ttft, tokens: view.tokens, rate, estimated: true });
}

function finish(view, frame) {
  view.attached = false;
  setStatus(view, frame.status);
  const metrics = frame.metrics || {};
  card.paintMetrics(view.card, {
    ttft: metrics.time_to_first_token, tokens: metrics.output_tokens, rate: metrics.tokens_per_second,
    total: metrics.total_time, cost: metrics.cost, estimated: Boolean(metrics.output_tokens_estimated),
  });
  const hasAnswer = [...view.choices.values()].some((c) => c.content || c.calls.size);
  const sounds = new Map([...view.choices].filter(([, c]) => c.sound).map(([i, c]) => [i, c.sound]));
  const canContinue = canWrite && hasAnswer && (frame.status === "completed" || frame.status === "cancelled");
  view.canContinue = canContinue;
  card.finishChoices(view.card, frame.choices, { canContinue, sounds });
  card.paintNotices(view.card, frame.notices);
  card.paintError(view.card, frame.error);
  card.paintUsage(view.card, frame.usage);
  card.offerPlayback(view.card, [...view.choices.values()].some((c) => c.content));
  card.offerDataset(view.card, canWrite && view.variables?.length > 0);
  view.card.el.dispatchEvent(new CustomEvent("run:finished", { bubbles: true, detail: { view, snapshot: frame.type === "run.snapshot" } }));
}

// Frames of one run come numbered from 0; one already seen is dropped, a gap asks for the rest.
function inOrder(frame) {
  const view = track(frame.run);
  if (frame.seq < view.nextSeq) return null;
  if (frame.seq > view.nextSeq) {
    attach(view);
    return null;
  }
  view.nextSeq = frame.seq + 1;
  return view;
}

function firstPaintDone(view) {
  if (!view.initial) return;
  view.initial = false;
  waitingForFirstPaint -= 1;
  if (waitingForFirstPaint === 0) showLatest();
}

onFrame("run.started", (frame) => {
  const view = inOrder(frame);
  if (!view) return;
  describe(view, frame);
  setStatus(view, "waiting");
  watchFirstToken(view);
  liveMetrics(view);
  if (view.own) reveal(view.card.el);
  if (frame.conversation_title) changes.dispatchEvent(new CustomEvent("title", { detail: frame }));
  firstPaintDone(view);
});

onFrame("run.retrying", (frame) => {
  const view = inOrder(frame);
  if (view) setStatus(view, "waiting", { label: "Retrying…", note: `${frame.message} Trying again in ${frame.delay} s (retry ${frame.attempt}).` });
});

onFrame("run.delta", (frame) => {
  const view = inOrder(frame);
  if (!view) return;
  if (view.ttft == null) {
    view.ttft = frame.elapsed;
    setStatus(view, "streaming");
  }
  view.elapsed = frame.elapsed;
  for (const delta of frame.choices) applyDelta(view, delta);
  liveMetrics(view);
});

for (const type of ["run.finished", "run.error"]) {
  onFrame(type, (frame) => {
    const view = inOrder(frame);
    if (view) finish(view, frame);
  });
}

// A run that is over, from the database: painted whole, once.
onFrame("run.snapshot", (frame) => {
  const view = track(frame.run);
  describe(view, frame);
  card.clearChoices(view.card);
  view.choices.clear();
  for (const choice of frame.choices) {
    const calls = (choice.tool_calls || []).map((call, index) => ({ index, id: call.id, name: call.function?.name, arguments: call.function?.arguments }));
    applyDelta(view, { index: choice.index, content: choice.content, refusal: choice.refusal, logprobs: choice.logprobs, tool_calls: calls,
      audio: choice.audio ? { data: choice.audio.data } : null, finish_reason: choice.finish_reason });
  }
  view.nextSeq = Infinity;
  finish(view, frame);
  firstPaintDone(view);
});

// The runs a run.start of this page made: their cards wait at the end, and come into view.
export function expectRuns(runIds) {
  for (const runId of runIds) {
    const view = track(runId);
    view.own = true;
    setStatus(view, "waiting", { label: "Starting…" });
    reveal(view.card.el);
  }
}

export function stop(runId) {
  send({ type: "run.cancel", run: runId });
}

// The answer of one choice, as the assistant message the next turn sends.
export function answerMessage(view, index) {
  const choice = view.choices.get(index) || { content: "", calls: new Map() };
  const message = { role: "assistant", content: choice.content || null };
  const calls = [...choice.calls.entries()].sort((a, b) => a[0] - b[0])
    .map(([, call]) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.args } }));
  if (calls.length) message.tool_calls = calls;
  return message;
}

function attach(view) {
  view.attachedOn = send({ type: "run.attach", run: view.id, after: view.nextSeq - 1 });
}

onFrame("socket.open", (frame) => {
  // After a reconnect, pick every live run up where this page left it.
  for (const view of runs.values()) {
    if (LIVE.has(view.status) && view.attached && (view.attachedOn || 0) < frame.connection) attach(view);
  }
});

// A reopened session: a card per run in the order they were started, then their frames (the
// stored ones come back as snapshots).
for (const runId of pageData.runs || []) {
  const view = track(runId);
  view.initial = true;
  waitingForFirstPaint += 1;
  attach(view);
}
