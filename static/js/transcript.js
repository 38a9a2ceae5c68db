// The transcript: the session's runs top to bottom, each turn the prompt it answered and then its
// answer, or a row of compared answers headed by what differs. New turns go at the end, just
// above the composer; a run this page started is scrolled into view, nothing else moves the view.
import { clone } from "./dom.js";

const list = document.getElementById("turns");
const scroller = document.getElementById("centre-scroll");
const rows = new Map(); // comparison id -> {turn, el, members: [{column, run, el}]}

export function addTurn(cardEl) {
  const turn = clone("turn-template");
  turn.querySelector(".turn-answers").append(cardEl);
  list.append(turn);
  list.closest(".transcript").classList.add("has-turns");
  return turn;
}

export function turnOf(cardEl) {
  return cardEl.closest(".turn");
}

// A chat message as the transcript shows it: its role, its text, and what is not text.
const PART_NAMES = { image_url: "image", input_audio: "audio clip", file: "file" };

function describeMessage(message) {
  const content = message?.content;
  const parts = Array.isArray(content) ? content.filter((part) => part && typeof part === "object") : [];
  const text = typeof content === "string" ? content : parts.filter((part) => part.type === "text").map((part) => part.text).join("\n");
  const counts = {};
  parts.filter((part) => part.type !== "text").forEach((part) => { counts[part.type] = (counts[part.type] || 0) + 1; });
  const details = [message?.tool_call_id, ...Object.entries(counts).map(([type, n]) => `${n} ${PART_NAMES[type] || type}`)];
  const calls = Array.isArray(message?.tool_calls) ? message.tool_calls : [];
  if (calls.length) details.push(`calls ${calls.map((call) => call?.function?.name || "?").join(", ")}`);
  return { role: String(message?.role || "?"), text: text || "", detail: details.filter(Boolean).join(" · ") };
}

// The messages a run added to its branch (the server's new_messages): what it answered.
export function setPrompt(turn, messages) {
  const box = turn.querySelector(".turn-prompt");
  if (box.children.length || !Array.isArray(messages)) return;
  box.replaceChildren(...messages.map(describeMessage).map((message) => {
    const item = clone("prompt-message-template");
    item.dataset.role = message.role;
    item.querySelector(".prompt-role").textContent = message.role;
    item.querySelector(".prompt-detail").textContent = message.detail;
    item.querySelector(".prompt-text").textContent = message.text;
    if (!message.text) item.querySelector(".prompt-text").classList.add("is-empty");
    return item;
  }));
}

function dropIfEmpty(turn) {
  if (turn && !turn.querySelector(".run")) turn.remove();
}

// A run that belongs to a comparison sits in its row, in column order, in the row's turn.
export function placeInComparison(cardEl, { run, comparison, column }) {
  let row = rows.get(comparison);
  if (!row) {
    const el = clone("comparison-template");
    const turn = turnOf(cardEl);
    turn.querySelector(".turn-answers").append(el);
    row = { turn, el, members: [] };
    rows.set(comparison, row);
  }
  if (!row.members.some((member) => member.run === run)) {
    const previous = turnOf(cardEl);
    row.members.push({ run, column, el: cardEl });
    row.members.sort((a, b) => a.column - b.column);
    if (previous !== row.turn) {
      cardEl.remove();
      dropIfEmpty(previous);
    }
  }
  const holder = row.el.querySelector(".comparison-columns");
  row.members.forEach((member) => holder.append(member.el));
  holder.dataset.count = row.members.length;
  paintLinks(row);
  return row;
}

function paintLinks(row) {
  const [first, ...others] = row.members;
  row.el.querySelector(".comparison-links").replaceChildren(...others.map((other, i) => {
    const link = clone("comparison-link-template");
    link.href = `/sessions/diff?a=${first.run}&b=${other.run}`;
    link.textContent = `Diff 1 ↔ ${i + 2}`;
    return link;
  }));
}

// What differs between the columns, already labelled: [{label, values: [text per column]}].
export function paintDifferences(comparison, differences) {
  const row = rows.get(comparison);
  if (!row) return;
  row.el.querySelector(".comparison-title").textContent = differences.length
    ? `${row.members.length} columns · ${differences.map((d) => d.label).join(", ")} differ${differences.length === 1 ? "s" : ""}`
    : `${row.members.length} columns · same parameters`;
  row.members.forEach((member, index) => {
    const box = member.el.querySelector(".run-differences");
    box.hidden = !differences.length;
    box.replaceChildren(...differences.map((difference) => {
      const item = clone("column-difference-template");
      item.querySelector(".column-difference-label").textContent = difference.label;
      item.querySelector(".column-difference-value").textContent = difference.values[index] ?? "unset";
      return item;
    }));
  });
}

export function rowMembers(comparison) {
  return rows.get(comparison)?.members || [];
}

// The row's one "continue" button, once the columns may be continued from.
export function offerRowContinue(comparison, offered) {
  const button = rows.get(comparison)?.el.querySelector(".comparison-continue");
  if (button) button.hidden = !offered;
}

// ---- keeping the newest run in view --------------------------------------------------------

function isInView(element) {
  const box = scroller.getBoundingClientRect();
  const rect = element.getBoundingClientRect();
  return rect.top >= box.top && rect.top <= box.bottom - 80;
}

const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

// A run the user just started: its turn comes into view unless its head already is.
export function reveal(cardEl) {
  const turn = turnOf(cardEl) || cardEl;
  if (isInView(turn)) return;
  turn.scrollIntoView({ block: "start", behavior: reduceMotion.matches ? "auto" : "smooth" });
}

// Opening a session: show its latest turn, unless the user already scrolled somewhere.
let userScrolled = false;
scroller.addEventListener("wheel", () => { userScrolled = true; }, { passive: true });
scroller.addEventListener("touchmove", () => { userScrolled = true; }, { passive: true });
scroller.addEventListener("keydown", (event) => {
  if (["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown"].includes(event.key)) userScrolled = true;
});

export function showLatest() {
  const last = list.lastElementChild;
  if (last && !userScrolled) last.scrollIntoView({ block: "start" });
}
