// The sessions sidebar: marks the open session, refreshes the history when runs start and end, and
// shows the open session's runs as a tree with replay actions: load a branch, re-run, edit and re-run.
//
// Events for runs.js (window): "playground:branch" and "playground:edit", detail {run, parent,
// conversation}: the next run.start on this page should send `parent` (see the lead's notes).
import { onFrame } from "./socket.js";
import { setRequest } from "./panel.js";

const pageData = JSON.parse(document.getElementById("page-data")?.textContent || "{}");
const runsBox = document.getElementById("session-runs");
let conversation = pageData.conversation || null;
let refreshTimer = null;
const REFRESH_DELAY = 400;

const urlFor = (template) => template.replace("SESSION", encodeURIComponent(conversation));

function markCurrent() {
  for (const item of document.querySelectorAll(".session-item[data-session]")) {
    item.classList.toggle("is-current", item.dataset.session === conversation);
    if (item.dataset.session === conversation) item.querySelector(".session-link")?.setAttribute("aria-current", "page");
  }
}

// Not while the user is in a session's menu (renaming, sharing): the list would close it under
// their hands. It refreshes once the menu closes.
let refreshWaiting = false;

function isBusy() {
  return Boolean(document.querySelector("#history-list .session-more[open]"));
}

function refreshList() {
  const form = document.getElementById("history-search");
  if (isBusy()) {
    refreshWaiting = true;
    return;
  }
  refreshWaiting = false;
  if (form && window.htmx) window.htmx.trigger(form, "submit");
}

document.addEventListener("toggle", (event) => {
  if (refreshWaiting && event.target.matches?.(".session-more") && !event.target.open) refreshList();
}, true);

async function refreshRuns() {
  if (!conversation || !window.htmx) return;
  await window.htmx.ajax("GET", urlFor(runsBox.dataset.url), { source: runsBox, target: runsBox, swap: "innerHTML" });
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    refreshList();
    refreshRuns();
  }, REFRESH_DELAY);
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`The server answered ${response.status}.`);
  return response.json();
}

function announce(kind, data) {
  window.dispatchEvent(new CustomEvent(`playground:${kind}`, { detail: { run: data.run, parent: data.parent, conversation: data.conversation } }));
}

function markLoaded(runId) {
  runsBox.querySelectorAll(".run-node").forEach((node) => node.classList.toggle("is-loaded", node.dataset.run === runId));
}

async function loadBranch(button) {
  const data = await fetchJson(button.dataset.branchUrl);
  setRequest(data.request, data.provider);
  markLoaded(data.run);
  announce("branch", data);
}

async function editRun(button) {
  const data = await fetchJson(button.dataset.editUrl);
  setRequest(data.request, data.provider);
  markLoaded(data.run);
  announce("edit", data);
}

// A re-run sends the stored request unchanged, as a sibling of the original: runs.js sends it,
// so its card comes into view like any run started on this page.
async function rerun(button) {
  const data = await fetchJson(button.dataset.rerunUrl);
  window.dispatchEvent(new CustomEvent("playground:rerun", { detail: { run: data.run } }));
}

function onRunsClick(event) {
  const target = event.target.closest("[data-branch-url], [data-edit-url], [data-rerun-url]");
  if (!target) return;
  const action = target.dataset.branchUrl ? loadBranch : target.dataset.editUrl ? editRun : rerun;
  target.closest("details")?.removeAttribute("open");
  action(target).catch((error) => {
    target.setAttribute("title", error.message);
    target.classList.add("is-failed");
  });
}

// Typing in the search box searches (a request while one is under way waits for it: htmx queues the
// last). Listened for on the document: the sidebar arrives after the page, and a trigger htmx binds
// once it has processed the new sidebar would miss what is typed before that.
let searchTimer = null;
const SEARCH_DELAY = 300;
document.addEventListener("input", (event) => {
  if (event.target.id !== "history-q") return;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(refreshList, SEARCH_DELAY);
});

document.body.addEventListener("htmx:afterSettle", markCurrent);
// A refresh that brings the list exactly as it is (a run ending changes no item's line) leaves it
// in place: replacing every link under a pointer that is pressing one swallowed the click.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const list = event.detail.target;
  if (list?.id !== "history-list" || !event.detail.shouldSwap) return;
  if (list.sourceHtml === event.detail.serverResponse) {
    event.detail.shouldSwap = false;
    markCurrent();
  } else {
    list.sourceHtml = event.detail.serverResponse;
  }
});
// A form's reset event comes before its fields are cleared: search once they are.
document.body.addEventListener("reset", (event) => {
  if (event.target.id === "history-search") setTimeout(refreshList);
});
runsBox.addEventListener("click", onRunsClick);
onFrame("run.accepted", (frame) => {
  if (frame.conversation) conversation = frame.conversation;
  refreshSoon();
});
onFrame("run.finished", refreshSoon);
onFrame("run.error", refreshSoon);
