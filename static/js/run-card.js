// Painting one run card: head, streamed text, tool calls, errors, metrics. Streamed text is
// appended as text nodes, batched once per animation frame, so a fast answer never blocks the
// page; the finished answer is swapped for the server's sanitized markdown once. Cards only
// paint: the buttons on them are handled by runs.js (one listener on the transcript).
import { renderTokens, hasTokens, markHeatmap } from "./runs-heatmap.js";
import { clone } from "./dom.js";

const part = (card, selector) => card.el.querySelector(selector);

export function createCard(runId) {
  const el = clone("run-template");
  el.dataset.run = runId;
  el.querySelector(".run-playback").href = `/sessions/runs/${runId}/playback`;
  el.querySelector(".run-body").href = `/sessions/runs/${runId}/request.json`;
  el.querySelector(".run-dataset").href = `/experiments/datasets/from-run/${runId}`;
  return { el, choices: new Map() };
}

export function describeCard(card, { model, provider }) {
  part(card, ".run-model").textContent = model || "";
  part(card, ".run-provider").textContent = provider ? `via ${provider}` : "";
}

const STATUS_LABEL = {
  loading: "Loading…",
  waiting: "Waiting for the first token…",
  streaming: "Streaming…",
  completed: "Done",
  cancelled: "Stopped",
  failed: "Failed",
  interrupted: "Interrupted",
};

// `status` is the run's; `label` overrides the pill's words, `note` explains under the head
// (a retry, a provider that says nothing).
export function setCardStatus(card, status, { label, note, canWrite } = {}) {
  card.el.dataset.status = status;
  part(card, ".run-status").textContent = label || STATUS_LABEL[status] || status;
  part(card, ".run-note").textContent = note || "";
  part(card, ".run-note").hidden = !note;
  const live = status === "streaming" || status === "waiting";
  part(card, ".run-stop").hidden = !live || !canWrite;
  part(card, ".run-foot").hidden = live || status === "loading";
  part(card, ".run-rerun").hidden = !canWrite;
  part(card, ".run-edit").hidden = !canWrite;
}

function fmt(seconds) {
  if (seconds == null) return "–";
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(2)} s`;
}

// metrics: the server's at the end; while streaming, what the page counted. "≈" marks a count
// that is not the provider's own: the page's while streaming, or our tokenizer's without usage.
export function paintMetrics(card, { ttft, tokens, rate, total, cost, estimated }) {
  const parts = [`first token ${fmt(ttft)}`, `${estimated ? "≈" : ""}${tokens || 0} tokens`];
  if (rate) parts.push(`${rate.toFixed(1)} tok/s`);
  if (total != null) parts.push(`total ${fmt(total)}`);
  if (cost != null) parts.push(`$${Number(cost).toFixed(6).replace(/0+$/, "").replace(/\.$/, "")}`);
  part(card, ".run-metrics").textContent = parts.join(" · ");
}

// ---- choices -------------------------------------------------------------------------------

function choiceOf(card, index) {
  let choice = card.choices.get(index);
  if (choice) return choice;
  const el = clone("choice-template");
  el.dataset.index = index;
  choice = { el, text: el.querySelector(".choice-text"), buffer: "", tokens: [], calls: new Map() };
  const holder = part(card, ".run-choices");
  const after = [...holder.children].find((c) => Number(c.dataset.index) > index);
  holder.insertBefore(el, after || null);
  card.choices.set(index, choice);
  // Several choices (n > 1) are labelled; a single answer is not.
  if (card.choices.size > 1 || index > 0) {
    for (const [i, each] of card.choices) {
      const label = each.el.querySelector(".choice-label");
      label.hidden = false;
      label.textContent = `Choice ${i + 1}`;
    }
  }
  return choice;
}

export function clearChoices(card) {
  card.choices.forEach((choice) => choice.el.remove());
  card.choices.clear();
}

const dirty = new Set();
let scheduled = false;

function schedulePaint(choice) {
  dirty.add(choice);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(flush);
  }
}

export function flush() {
  scheduled = false;
  for (const choice of dirty) {
    if (choice.tokens.length) {
      choice.text.append(renderTokens(choice.tokens));
      markHeatmap(choice.text);
    } else if (choice.buffer) choice.text.append(document.createTextNode(choice.buffer));
    choice.tokens = [];
    choice.buffer = "";
  }
  dirty.clear();
}

// One piece of one choice, as run.delta frames carry it (a snapshot's choice is one big piece).
export function paintDelta(card, delta) {
  const choice = choiceOf(card, delta.index);
  if (delta.content) {
    if (delta.logprobs && delta.logprobs.length) choice.tokens.push(...delta.logprobs);
    else choice.buffer += delta.content;
    schedulePaint(choice);
  }
  if (delta.refusal) {
    const box = choice.el.querySelector(".choice-refusal");
    box.hidden = false;
    box.textContent = box.textContent ? box.textContent + delta.refusal : `Refused: ${delta.refusal}`;
  }
  for (const call of delta.tool_calls || []) paintCall(choice, call);
  if (delta.audio && delta.audio.transcript) {
    choice.buffer += delta.audio.transcript;
    schedulePaint(choice);
  }
  if (delta.finish_reason) choice.el.querySelector(".choice-finish").textContent = `finish: ${delta.finish_reason}`;
}

// Tool calls stream as pieces of JSON; once the run ends, their arguments are shown indented.
function paintCall(choice, call) {
  let shown = choice.calls.get(call.index);
  if (!shown) {
    const el = clone("run-call-template");
    shown = { el, args: "" };
    const list = choice.el.querySelector(".choice-calls");
    list.hidden = false;
    const after = [...choice.calls.entries()].filter(([i]) => i > call.index).sort((a, b) => a[0] - b[0])[0];
    list.insertBefore(el, after ? after[1].el : null);
    choice.calls.set(call.index, shown);
  }
  if (call.id) shown.el.querySelector(".run-call-id").textContent = call.id;
  if (call.name) shown.el.querySelector(".run-call-name").textContent += call.name;
  if (call.arguments) {
    shown.args += call.arguments;
    shown.el.querySelector(".run-call-args").append(document.createTextNode(call.arguments));
  }
}

function prettyArguments(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // not JSON (a model can send anything): shown as it came
  }
}

// The end of a run: markdown for plain answers, pretty tool arguments, the buttons that apply.
export function finishChoices(card, choices, { canContinue, sounds }) {
  flush();
  for (const done of choices || []) {
    const choice = choiceOf(card, done.index);
    if (done.finish_reason) choice.el.querySelector(".choice-finish").textContent = `finish: ${done.finish_reason}`;
    if (done.html && !hasTokens(choice.text) && choice.text.textContent) {
      choice.text.innerHTML = done.html; // sanitized server-side (nh3); CSP forbids scripts anyway
      choice.text.classList.add("md");
    }
    for (const shown of choice.calls.values()) shown.el.querySelector(".run-call-args").textContent = prettyArguments(shown.args);
    if (sounds?.get(done.index)) attachAudio(choice, sounds.get(done.index));
    choice.el.querySelector(".choice-continue").hidden = !canContinue;
    choice.el.querySelector(".choice-continue").textContent = choice.calls.size ? "Answer the tool calls" : "Continue from this answer";
    choice.el.querySelector(".choice-copy").hidden = !choice.text.textContent;
  }
  // An empty answer says so, instead of an empty box.
  for (const choice of card.choices.values()) {
    if (!choice.text.textContent && !choice.calls.size) choice.text.classList.add("is-empty");
  }
}

// The browser sniffs the container (wav, mp3…) from the bytes.
function attachAudio(choice, base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const box = choice.el.querySelector(".choice-audio");
  box.hidden = false;
  box.querySelector(".choice-audio-player").src = URL.createObjectURL(new Blob([bytes]));
}

export function paintNotices(card, notices) {
  const box = part(card, ".run-notice");
  box.hidden = !(notices && notices.length);
  box.replaceChildren(...(notices || []).map((text) => Object.assign(clone("run-notice-template"), { textContent: text })));
}

export function paintError(card, error) {
  const box = part(card, ".run-error");
  box.hidden = !error;
  if (!error) return;
  const who = error.status ? `The provider answered ${error.status}` : error.kind === "interrupted" ? "Interrupted" : "The run failed";
  box.querySelector(".run-error-title").textContent = `${who}: ${error.message || "no reason given."}`;
  box.querySelector(".run-error-hint").textContent = error.hint || "";
  box.querySelector(".run-error-hint").hidden = !error.hint;
  box.querySelector(".run-error-id").textContent = error.request_id ? `Request id: ${error.request_id}` : "";
  box.querySelector(".run-error-id").hidden = !error.request_id;
}

export function paintUsage(card, usage) {
  part(card, ".run-usage").textContent = usage
    ? `${usage.prompt_tokens ?? "?"} prompt + ${usage.completion_tokens ?? "?"} completion = ${usage.total_tokens ?? "?"} tokens`
    : "";
}

// Playback only where there is something to replay.
export function offerPlayback(card, hasText) {
  part(card, ".run-playback").hidden = !hasText;
}

// "Add to dataset" for a run that filled prompt variables, to someone who may change the workspace.
export function offerDataset(card, offered) {
  part(card, ".run-dataset").hidden = !offered;
}

export function choiceText(card, index) {
  return card.choices.get(index)?.text.textContent || "";
}
