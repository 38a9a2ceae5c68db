// Running: the Run and Stop buttons, Ctrl/Cmd+Enter and Esc, the actions on run cards (stop,
// re-run, edit, continue, copy), and the run bar, where what the server says about a start shows.
import { send, onFrame, isOpen } from "./socket.js";
import { setRequest, showErrors } from "./panel.js";
import { columnsForRun, isComparing, recordAnswer } from "./compare.js";
import { appendMessage, focusLastUserMessage, foldAnswered } from "./messages.js";
import { runOf, liveRuns, changes, expectRuns, stop, answerMessage, canWrite } from "./run-state.js";
import { choiceText } from "./run-card.js";
import { rowMembers, offerRowContinue } from "./transcript.js";
import { say, explainErrors } from "./runbar.js";

const pageData = JSON.parse(document.getElementById("page-data").textContent);
const form = document.getElementById("request-form");
const transcript = document.getElementById("transcript");
const runButton = document.getElementById("run-button");
const stopButton = document.getElementById("stop-button");
let conversation = pageData.conversation;
let refCounter = 0;
let pendingRef = null;
let pendingType = null;
// The run the next one continues, when the user chose it (a branch, an edit, "continue from");
// otherwise the server finds it from the messages.
let nextParent = null;

function updateControls() {
  const live = liveRuns().length > 0;
  stopButton.hidden = !live;
  runButton.disabled = pendingRef !== null || !canWrite;
  runButton.textContent = pendingRef !== null ? "Starting…" : "Run";
  runButton.setAttribute("aria-busy", pendingRef !== null ? "true" : "false");
}

function sendStart(message) {
  try {
    send(message);
  } catch (error) {
    if (!(error instanceof MessageTooLarge)) throw error;
    say(`This request is ${error.describe()}: more than one message may carry. Remove large images or audio, or shorten the messages.`, "error");
    return false;
  }
  pendingRef = message.ref;
  say("Starting…");
  // A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
  return true;
}

// What the user entered, as the server's one parser takes it: {name: [values]}.
function formFields() {
  const fields = {};
  for (const [name, value] of new FormData(form)) {
    if (name === "csrfmiddlewaretoken" || typeof value !== "string") continue;
    (fields[name] ||= []).push(value);
  }
  return fields;
}

// The form as entered goes to the server, which parses and validates it (run.rejected if not).
export function startRun() {
  if (pendingRef !== null || !canWrite) return;
  if (!document.getElementById("f-provider")?.value) {
    say("There is no provider to run against yet: add one on the Providers page (see above).", "error");
    return;
  }
  showErrors({});
  const message = { type: "run.start", ref: `r${++refCounter}`, conversation, parent: nextParent, fields: formFields() };
  if (isComparing()) message.columns = columnsForRun();
  sendStart(message);
}

function rerun(view) {
  // The stored request, unchanged: the server loads it and the provider receives the same bytes.
  sendStart({ type: "run.rerun", ref: `r${++refCounter}`, run: view.id });
}

function continueFrom(view, index) {
  const message = answerMessage(view, index);
  if (isComparing()) {
    // Each column continues from its own answer; the shared list only gets the next user turn.
    foldAnswered();
    appendMessage({ role: "user", content: "" });
  } else {
    nextParent = view.id;
    appendMessage(message);
    foldAnswered();
    if (message.tool_calls) message.tool_calls.forEach((call) => appendMessage({ role: "tool", tool_call_id: call.id, content: "" }));
    else appendMessage({ role: "user", content: "" });
  }
  focusLastUserMessage();
}

// ---- what the server says about a start ----------------------------------------------------

onFrame("run.accepted", (frame) => {
  if (frame.ref !== pendingRef) return;
  pendingRef = null;
  if (pendingType === "run.start") nextParent = null; // used: the next run continues this one
  expectRuns(frame.runs || []);
  if (frame.conversation && frame.conversation !== conversation) {
    conversation = frame.conversation;
    history.replaceState(null, "", `/s/${conversation}/`);
  }
  say("");
  // A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
});

onFrame("run.rejected", (frame) => {
  if (frame.ref !== pendingRef) return;
  pendingRef = null;
  const byColumn = frame.errors || {};
  const columns = Object.keys(byColumn);
  const errors = columns.length === 1 ? byColumn[columns[0]] : Object.fromEntries(
    columns.flatMap((column) => Object.entries(byColumn[column]).map(([name, list]) => [name, list.map((m) => `column ${Number(column) + 1}: ${m}`)])),
  );
  showErrors(errors);
  if (Object.keys(errors).length) explainErrors(errors, frame.message);
  else say(frame.message, "error");
  // A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
});

onFrame("error", (frame) => {
  // A message the server could not take (too big, malformed) comes back without our ref.
  if (pendingRef === null || (frame.ref && frame.ref !== pendingRef)) return;
  pendingRef = null;
  say(frame.message, "error");
  // A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
});

onFrame("socket.closed", () => {
  if (pendingRef === null) return;
  pendingRef = null;
  say("The connection dropped before the run started. It reconnects by itself: press Run again once the status says Connected.", "error");
  // A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
});

changes.addEventListener("status", updateControls);
changes.addEventListener("title", (event) => {
  const frame = event.detail;
  if (frame.conversation !== conversation) return;
  document.getElementById("session-title").textContent = frame.conversation_title;
  document.title = `${frame.conversation_title} · Chat Playground`;
});

// A column's answer is what that column continues from on the next turn; the row offers to
// continue once every column is over and one may be continued from.
transcript.addEventListener("run:finished", (event) => {
  const { view, snapshot } = event.detail;
  if (!snapshot && view.comparison && view.choices.has(0)) recordAnswer(view.column, answerMessage(view, 0));
  if (view.comparison) {
    const members = rowMembers(view.comparison).map((member) => runOf(member.run)).filter(Boolean);
    offerRowContinue(view.comparison, members.every((each) => !liveRuns().includes(each)) && members.some((each) => each.canContinue));
  }
});

// ---- the buttons on run cards, and the keyboard --------------------------------------------

const CARD_ACTIONS = {
  ".run-stop": (view) => stop(view.id),
  ".run-rerun": (view) => rerun(view),
  ".run-edit": (view) => {
    setRequest(view.request, view.providerId);
    nextParent = null;
    focusLastUserMessage();
  },
  ".choice-continue": (view, index) => continueFrom(view, index),
  ".choice-copy": (view, index, button) => copy(button, choiceText(view.card, index)),
};

async function copy(button, text) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    button.textContent = "Copy failed";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

transcript.addEventListener("click", (event) => {
  const rowContinue = event.target.closest(".comparison-continue");
  if (rowContinue) {
    const first = runOf(rowContinue.closest(".comparison").querySelector(".run").dataset.run);
    if (first) continueFrom(first, 0);
    return;
  }
  for (const [selector, action] of Object.entries(CARD_ACTIONS)) {
    const button = event.target.closest(selector);
    if (!button) continue;
    const view = runOf(button.closest(".run").dataset.run);
    const index = Number(button.closest(".choice")?.dataset.index ?? 0);
    if (view) action(view, index, button);
    return;
  }
});

window.addEventListener("playground:rerun", (event) => {
  if (event.detail?.run) sendStart({ type: "run.rerun", ref: `r${++refCounter}`, run: event.detail.run });
});
for (const name of ["playground:branch", "playground:edit"]) {
  window.addEventListener(name, (event) => {
    nextParent = (event.detail && event.detail.parent) || null;
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  startRun();
});
stopButton.addEventListener("click", () => liveRuns().forEach((view) => stop(view.id)));
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    startRun();
  } else if (event.key === "Escape" && liveRuns().length && !event.defaultPrevented) {
    liveRuns().forEach((view) => stop(view.id));
  }
});

// A reopened session: the panel as the latest run was sent, and Run again makes a sibling of it.
// (Compare columns: compare.js puts them back.)
const restored = pageData.state;
if (restored?.columns?.length === 1) {
  setRequest(restored.columns[0].body, restored.columns[0].provider);
  nextParent = restored.columns[0].after;
}

updateControls();
