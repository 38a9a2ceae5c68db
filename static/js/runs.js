// Running: the Run and Stop buttons, Ctrl/Cmd+Enter and Esc, the actions on run cards (stop,
// re-run, edit, continue, copy), and the run bar, where what the server says about a start shows.
import { send, onFrame, isOpen } from "./socket.js";
import { setRequest, showErrors } from "./panel.js";
import { activate, continueColumns, isComparing } from "./compare.js";
import { runStartMessage, rerunMessage } from "./request.js";
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
  updateControls();
  return true;
}

// The form as entered goes to the server, which parses and validates it (run.rejected if not).
export function startRun() {
  if (pendingRef !== null || !canWrite) return;
  if (!document.getElementById("f-provider")?.value) {
    say("There is no provider to run against yet: add one on the Providers page (see above).", "error");
    return;
  }
  showErrors({});
  sendStart(runStartMessage({ ref: `r${++refCounter}`, conversation, parent: nextParent }));
}

function rerun(runId) {
  // The stored request, unchanged: the server sends the provider the same bytes again.
  sendStart(rerunMessage(runId, { ref: `r${++refCounter}` }));
}

function continueFrom(view, index) {
  const message = answerMessage(view, index);
  if (isComparing() && view.comparison) {
    // Each column continues from its own answer; the shared list only gets the next user turn.
    continueColumns(Object.fromEntries(rowMembers(view.comparison).map((member) => [member.column, member.run])));
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
  updateControls();
});

// Refused before anything started: the errors are per column, then per field. The first column
// with errors is shown in the panel, its errors at their fields, and each named in the run bar.
onFrame("run.rejected", (frame) => {
  if (frame.ref !== pendingRef) return;
  pendingRef = null;
  const byColumn = Object.entries(frame.errors || {}).sort(([a], [b]) => Number(a) - Number(b));
  const [column, errors] = byColumn[0] || [null, {}];
  const comparing = column !== null && isComparing();
  if (comparing) activate(Number(column));
  const shown = showErrors(errors || {});
  if (shown.length) explainErrors(shown, comparing ? `${frame.message} Column ${Number(column) + 1}:` : frame.message);
  else say(frame.message, "error");
  updateControls();
});

onFrame("error", (frame) => {
  // A message the server could not take (too big, malformed) comes back without our ref.
  if (pendingRef === null || (frame.ref && frame.ref !== pendingRef)) return;
  pendingRef = null;
  say(frame.message, "error");
  updateControls();
});

onFrame("socket.closed", () => {
  if (pendingRef === null) return;
  pendingRef = null;
  say("The connection dropped before the run started. It reconnects by itself: press Run again once the status says Connected.", "error");
  updateControls();
});

changes.addEventListener("status", updateControls);
changes.addEventListener("title", (event) => {
  const frame = event.detail;
  if (frame.conversation !== conversation) return;
  document.getElementById("session-title").textContent = frame.conversation_title;
  document.title = `${frame.conversation_title} · Chat Playground`;
});

// A comparison offers to continue once every column is over and one may be continued from.
transcript.addEventListener("run:finished", (event) => {
  const { view } = event.detail;
  if (view.comparison) {
    const members = rowMembers(view.comparison).map((member) => runOf(member.run)).filter(Boolean);
    offerRowContinue(view.comparison, members.every((each) => !liveRuns().includes(each)) && members.some((each) => each.canContinue));
  }
});

// ---- the buttons on run cards, and the keyboard --------------------------------------------

const CARD_ACTIONS = {
  ".run-stop": (view) => stop(view.id),
  ".run-rerun": (view) => rerun(view.id),
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
  if (event.detail?.run) rerun(event.detail.run);
});
for (const name of ["playground:branch", "playground:edit"]) {
  window.addEventListener(name, (event) => {
    nextParent = (event.detail && event.detail.parent) || null;
  });
}

form.addEventListener("submit", (event) => {
  // A button that posts the form elsewhere (formaction: "Add these values to a dataset…") goes there.
  if (event.submitter?.hasAttribute("formaction")) return;
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

updateControls();
