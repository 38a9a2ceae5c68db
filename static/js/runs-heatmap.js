// The logprob heatmap: each token a span coloured by its probability, with a legend above the
// answer. A click on a token, or Enter on it (the arrow keys move between tokens), opens a
// popover with its probability and the alternatives the model weighed; Esc closes it.
import { clone } from "./dom.js";

const BUCKETS = [0.9, 0.7, 0.5, 0.3, 0.1];
const entries = new WeakMap(); // token span -> its logprob entry
let popover = null;
let openFor = null;

export function probabilityClass(logprob) {
  const p = Math.exp(logprob);
  const bucket = BUCKETS.findIndex((limit) => p >= limit);
  return `tok tok-p${bucket === -1 ? BUCKETS.length : bucket}`;
}

const percent = (logprob) => `${(Math.exp(logprob) * 100).toFixed(1)}%`;

export function hasTokens(box) {
  return box.querySelector(".tok") !== null;
}

export function renderTokens(list) {
  const fragment = document.createDocumentFragment();
  for (const entry of list) {
    const span = document.createElement("span");
    span.className = probabilityClass(entry.logprob);
    span.textContent = entry.token;
    span.tabIndex = -1;
    span.setAttribute("aria-label", `${entry.token} ${percent(entry.logprob)}`);
    entries.set(span, entry);
    fragment.append(span);
  }
  return fragment;
}

// Once a choice shows tokens: the legend above it, and the first token reachable by Tab.
export function markHeatmap(box) {
  const first = box.querySelector(".tok");
  if (!first || box.dataset.heatmap) return;
  box.dataset.heatmap = "1";
  first.tabIndex = 0;
  box.before(clone("logprob-legend-template"));
}

function ensurePopover() {
  if (popover) return popover;
  popover = clone("token-popover-template");
  document.body.append(popover);
  return popover;
}

function place(span) {
  const box = ensurePopover();
  const rect = span.getBoundingClientRect();
  box.hidden = false;
  const width = box.offsetWidth;
  const height = box.offsetHeight;
  const left = Math.max(8, Math.min(rect.left, window.innerWidth - width - 8));
  const below = rect.bottom + 6 + height < window.innerHeight;
  box.style.left = `${left}px`;
  box.style.top = `${below ? rect.bottom + 6 : Math.max(8, rect.top - height - 6)}px`;
}

function open(span) {
  const entry = entries.get(span);
  if (!entry) return;
  const box = ensurePopover();
  box.querySelector(".token-popover-token").textContent = JSON.stringify(entry.token);
  box.querySelector(".token-popover-p").textContent = percent(entry.logprob);
  const alternatives = (entry.top_logprobs || []).filter((alt) => alt.token !== entry.token);
  box.querySelector(".token-popover-alts tbody").replaceChildren(...alternatives.map((alt) => {
    const row = clone("token-alt-template");
    row.querySelector(".token-alt-token").textContent = JSON.stringify(alt.token);
    row.querySelector("meter").value = Math.exp(alt.logprob);
    row.querySelector(".token-alt-p").textContent = percent(alt.logprob);
    return row;
  }));
  box.querySelector(".token-popover-alts").hidden = !alternatives.length;
  box.querySelector(".token-popover-none").hidden = alternatives.length > 0;
  openFor?.classList.remove("is-open");
  openFor = span;
  span.classList.add("is-open");
  place(span);
}

export function closePopover() {
  if (!popover || popover.hidden) return false;
  popover.hidden = true;
  openFor?.classList.remove("is-open");
  openFor = null;
  return true;
}

function move(span, step) {
  const all = [...span.closest(".choice-text").querySelectorAll(".tok")];
  const next = all[all.indexOf(span) + step];
  if (!next) return;
  span.tabIndex = -1;
  next.tabIndex = 0;
  next.focus();
  if (openFor) open(next);
}

document.addEventListener("click", (event) => {
  const span = event.target.closest(".tok");
  if (span && entries.has(span)) {
    if (openFor === span) closePopover();
    else open(span);
  } else if (!event.target.closest(".token-popover")) {
    closePopover();
  }
});

document.addEventListener("keydown", (event) => {
  const span = event.target.closest?.(".tok");
  if (event.key === "Escape" && closePopover()) {
    event.stopPropagation();
    span?.focus();
    return;
  }
  if (!span || !entries.has(span)) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    if (openFor === span) closePopover();
    else open(span);
  } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
    event.preventDefault();
    move(span, event.key === "ArrowRight" ? 1 : -1);
  }
}, true);

// A scroll (the user's, or the pane still easing a new run into view) moves the popover with its
// token; it closes only once the token has left the window.
function follow() {
  if (!openFor || !popover || popover.hidden) return;
  const rect = openFor.getBoundingClientRect();
  if (!openFor.isConnected || rect.bottom < 0 || rect.top > window.innerHeight) closePopover();
  else place(openFor);
}

window.addEventListener("resize", closePopover);
document.addEventListener("scroll", follow, { capture: true, passive: true });
