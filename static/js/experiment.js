// The experiment grid: follows the experiment on the page socket (experiment.* frames), adds each
// running cell's new text as the server sends it (painted once per animation frame), swaps in a
// finished cell's HTML from the server, and sends Run / Re-run / Stop. A cell opened in the dialog
// follows its run's own frames (run.attach). Labels and HTML come from the server; this module
// keeps display state only.

import { onFrame, send } from "./socket.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const experiment = data.experiment;
const types = data.socket_types;
const states = data.states || {};
const PREVIEW_CHARS = data.preview_chars || 400;
const SUMMARY_EVERY_MS = 2000;

const pending = new Map(); // cell id -> [offset, text] not painted yet
let dialogRun = null; // the run the dialog follows live
const dialog = document.getElementById("cell-dialog");
const dialogBody = document.getElementById("cell-dialog-body");
const message = document.getElementById("run-message");
const stopButton = document.getElementById("stop-all");
let refs = 0;
let paintScheduled = false;
let lastProgress = null;
let summaryTimer = null;
let summaryAt = 0;

const ref = () => `x${++refs}`;
const cellElement = (cellId) => document.querySelector(`.xcell[data-cell="${CSS.escape(cellId)}"]`);

function say(text, kind = "") {
  if (!message) return;
  message.textContent = text;
  message.dataset.kind = kind;
}

function watch() {
  const rows = [...document.querySelectorAll("tr[data-row]")].map((tr) => tr.dataset.row);
  pending.clear();
  send({ type: types.watch, ref: ref(), experiment, rows });
}

// -- cells ---------------------------------------------------------------------------------

function setState(element, state) {
  element.dataset.state = state;
  const label = element.querySelector(".xcell-state");
  if (label) {
    label.textContent = states[state] || state;
    label.title = label.textContent;
  }
}

function markCell(frame) {
  const element = cellElement(frame.cell);
  if (!element) return;
  setState(element, frame.state);
  if (frame.run && frame.run !== element.dataset.run && frame.state === "running") {
    // A new run for this cell: its old text, verdict and numbers no longer apply.
    element.dataset.run = frame.run;
    element.removeAttribute("data-passed");
    element.querySelectorAll(".xcell-verdict, .xcell-metrics, .xcell-checks, .xcell-error").forEach((node) => node.remove());
    const text = element.querySelector("[data-text]");
    if (text) text.textContent = "";
  }
}

function replaceCell(frame) {
  const element = cellElement(frame.cell);
  if (!element) return;
  pending.delete(frame.cell);
  // HTML rendered by the server's cell template (autoescaped), as run.finished carries rendered markdown.
  element.parentElement.innerHTML = frame.html;
}

function addText(cellId, offset, text) {
  const waiting = pending.get(cellId);
  if (waiting && waiting[0] + waiting[1].length === offset) waiting[1] += text;
  else pending.set(cellId, [offset, text]);
  if (!paintScheduled) {
    paintScheduled = true;
    requestAnimationFrame(paint);
  }
}

function paint() {
  paintScheduled = false;
  for (const [cellId, [offset, text]] of pending) {
    const target = cellElement(cellId)?.querySelector("[data-text]");
    if (!target) continue;
    const have = target.textContent.length;
    if (offset < have) target.textContent = target.textContent.slice(0, offset) + text; // the page had some of it already
    else target.append(document.createTextNode(text));
    if (offset + text.length >= PREVIEW_CHARS) target.append(document.createTextNode("…"));
  }
  pending.clear();
}

// -- progress ----------------------------------------------------------------------------------

function clock(seconds) {
  if (seconds == null) return "";
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m}:${String(s % 60).padStart(2, "0")}`;
}

function showProgress(progress) {
  lastProgress = progress;
  const box = document.getElementById("progress");
  if (!box) return;
  const total = progress.total || 1;
  for (const [segment, count] of [["done", progress.done], ["failed", progress.failed + (progress.cancelled || 0)], ["running", progress.running]]) {
    const element = box.querySelector(`[data-seg="${segment}"]`);
    if (element) element.style.width = `${(100 * count) / total}%`;
  }
  const bar = box.querySelector("[role=progressbar]");
  const finished = progress.done + progress.failed + (progress.cancelled || 0);
  bar.setAttribute("aria-valuenow", String(Math.round((100 * finished) / total)));
  const parts = [`${progress.done} done`, `${progress.running} running`, `${progress.queued} queued`, `${progress.failed} failed`];
  if (progress.cancelled) parts.push(`${progress.cancelled} stopped`);
  if (progress.idle) parts.push(`${progress.idle} not run`);
  if (progress.elapsed != null) parts.push(`${clock(progress.elapsed)} elapsed`);
  if (progress.active && progress.eta != null) parts.push(`about ${clock(progress.eta)} left`);
  box.querySelector("[data-progress-text]").textContent = parts.join(" · ");
  box.dataset.active = progress.active ? "1" : "";
  if (stopButton) stopButton.disabled = !progress.active;
  const runAll = document.getElementById("run-all");
  if (runAll) {
    const remaining = progress.idle + progress.failed + (progress.cancelled || 0);
    if (remaining === 0 && !progress.active) {
      runAll.textContent = "Re-run all";
      runAll.dataset.runScope = "all";
    } else {
      // Everything already queued or running: nothing left to start ("Run remaining (0)" read oddly).
      runAll.textContent = remaining === 0 ? "Running…" : remaining === progress.total ? "Run all" : `Run remaining (${remaining})`;
      runAll.dataset.runScope = "unfinished";
    }
    runAll.disabled = remaining === 0 && progress.active;
  }
  const rerun = document.getElementById("rerun-failed");
  if (rerun) {
    const failed = progress.failed + (progress.cancelled || 0);
    rerun.textContent = `Re-run failed (${failed})`;
    rerun.disabled = failed === 0;
  }
}

function refreshSummary(now = false) {
  // The summary row is the server's (one query); ask again at most every few seconds while cells end.
  clearTimeout(summaryTimer);
  const wait = now ? 0 : Math.max(0, summaryAt + SUMMARY_EVERY_MS - Date.now());
  summaryTimer = setTimeout(() => {
    summaryAt = Date.now();
    document.body.dispatchEvent(new CustomEvent("summary-refresh"));
  }, wait);
}

// -- frames --------------------------------------------------------------------------------

onFrame("socket.open", watch);
onFrame("experiment.state", (frame) => {
  if (frame.experiment !== experiment) return;
  showProgress(frame.progress);
  frame.cells.forEach(markCell);
});
onFrame("experiment.cell", (frame) => {
  if (frame.experiment !== experiment) return;
  if (frame.html) replaceCell(frame);
  else markCell(frame);
});
onFrame("experiment.cells", (frame) => {
  if (frame.experiment !== experiment) return;
  for (const cell of frame.cells) markCell({ cell, state: frame.state });
});
onFrame("experiment.progress", (frame) => {
  if (frame.experiment !== experiment) return;
  const wasActive = lastProgress?.active;
  showProgress(frame);
  refreshSummary(wasActive && !frame.active);
  if (wasActive && !frame.active) say("All cells have ended.");
});
let resyncing = false;
let resyncAgain = false;
function resync() {
  // Events were lost on the way (a busy socket drops what it cannot hold): load the rows again,
  // as the server has them now, and watch anew. One at a time.
  if (resyncing) {
    resyncAgain = true;
    return;
  }
  resyncing = true;
  const search = new URL(window.location.href).search;
  window.htmx.ajax("GET", `${data.grid_url}${search}`, { source: "#grid", target: "#grid", swap: "innerHTML" }).finally(() => {
    resyncing = false;
    if (resyncAgain) {
      resyncAgain = false;
      setTimeout(resync, 1000);
    }
  });
}
onFrame("experiment.resync", (frame) => {
  if (frame.experiment === experiment && window.htmx) resync();
});
onFrame("experiment.accepted", (frame) => {
  if (frame.experiment !== experiment) return;
  if (frame.queued) say(`${frame.queued} cell${frame.queued === 1 ? "" : "s"} queued.`);
});
onFrame("error", (frame) => say(frame.message, "error"));
onFrame("experiment.text", (frame) => {
  if (frame.experiment !== experiment) return;
  for (const [cellId, [offset, text]] of Object.entries(frame.cells)) addText(cellId, offset, text);
});
// The dialog's cell, while its run streams: the whole text, from the run's own frames.
onFrame("run.delta", (frame) => {
  if (frame.run !== dialogRun || !dialog?.open) return;
  const target = dialogBody.querySelector("[data-stream-text]");
  for (const choice of frame.choices || []) {
    if ((choice.index || 0) === 0 && choice.content && target) target.append(document.createTextNode(choice.content));
  }
});
for (const type of ["run.finished", "run.error", "run.snapshot"]) {
  onFrame(type, (frame) => {
    if (frame.run === dialogRun && dialog?.open) {
      dialogRun = null;
      setTimeout(() => reloadDialog(), 400); // the rendered answer, checks and numbers, from the server
    }
  });
}

// -- buttons -------------------------------------------------------------------------------

document.addEventListener("click", (event) => {
  const run = event.target.closest("[data-run-scope]");
  if (run) {
    const scope = run.dataset.runScope;
    if (scope === "all" && !window.confirm("Run these cells again? Their current answers stay as earlier attempts.")) return;
    send({ type: types.run, ref: ref(), experiment, scope, variant: run.dataset.variant || null, row: run.dataset.rowId || null });
    say("Queueing…");
    return;
  }
  if (event.target.closest("#stop-all")) {
    send({ type: types.stop_all, ref: ref(), experiment });
    say("Stopping every running cell…");
    return;
  }
  const gridLink = event.target.closest("[data-grid-link]");
  if (gridLink && data.grid_url && window.htmx && !event.ctrlKey && !event.metaKey) {
    // Another page of rows, or the rows failing a number: the grid's own rows swap, the address follows.
    event.preventDefault();
    const url = new URL(gridLink.getAttribute("href"), window.location.href);
    window.htmx.ajax("GET", `${data.grid_url}${url.search}`, { source: "#grid", target: "#grid", swap: "innerHTML" })
      .then(() => window.history.pushState({}, "", url.pathname + url.search));
    return;
  }
  const open = event.target.closest("[data-open-cell]");
  if (open && dialog && window.htmx && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    event.preventDefault();
    dialog.dataset.url = open.getAttribute("href");
    // The dialog opens at once and fills when its cell arrives.
    dialogBody.replaceChildren(document.getElementById("cell-loading").content.cloneNode(true));
    if (!dialog.open) dialog.showModal();
    reloadDialog();
    return;
  }
  if (event.target.closest("[data-close-dialog]")) dialog?.close();
});

function reloadDialog() {
  // Its own source: requests from one element queue behind each other, and the newest queued one
  // replaces the others, so a grid refresh under way must not hold up or drop the cell.
  return window.htmx.ajax("GET", dialog.dataset.url, { source: dialogBody, target: dialogBody, swap: "innerHTML" }).then(() => {
    const view = dialogBody.querySelector("[data-cell-view]");
    dialogRun = view?.dataset.live ? view.dataset.run : null;
    if (dialogRun) send({ type: "run.attach", run: dialogRun, after: -1 });
  });
}

dialog?.addEventListener("close", () => { dialogRun = null; });
dialog?.addEventListener("click", (event) => {
  if (event.target === dialog) dialog.close(); // a click on the backdrop
});

document.body.addEventListener("htmx:afterSwap", (event) => {
  // Another page of rows, or only the failing ones: follow those rows' cells now.
  if (event.detail.target?.id === "grid") {
    watch();
    if (lastProgress) showProgress(lastProgress);
  }
});
