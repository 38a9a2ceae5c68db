// The page's one websocket: connects, reconnects with backoff, and routes JSON frames by "type".
// Other modules register handlers with `onFrame(type, fn)` and send with `send(obj)`.

import { expand } from "./frames.js";

const handlers = new Map();
const statusEl = document.getElementById("socket-status");
let socket = null;
let attempt = 0;
let pending = [];
let opened = 0; // connections opened so far

const STATUS_TEXT = {
  connecting: "Connecting…",
  open: "Connected",
  closed: "Reconnecting…",
  denied: "Signed out: reload to sign in",
};

function setStatus(state) {
  if (!statusEl) return;
  statusEl.dataset.state = state;
  statusEl.textContent = STATUS_TEXT[state];
}

export function onFrame(type, fn) {
  if (!handlers.has(type)) handlers.set(type, []);
  handlers.get(type).push(fn);
}

// The largest message the server takes (page_data.socket_max_bytes): past it the server answers
// with an error, or (past Daphne's own limit) drops the connection.
const maxBytes = JSON.parse(document.getElementById("page-data")?.textContent || "{}").socket_max_bytes || 0;

function amount(bytes) {
  return bytes >= 100000 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} KB`;
}

export function isOpen() {
  return Boolean(socket) && socket.readyState === WebSocket.OPEN;
}

// Sends now, or as soon as the socket (re)opens. Returns the number of the connection it goes
// out on, so a module can tell whether a later "socket.open" (frame.connection) is news.
export function send(message) {
  const text = JSON.stringify(message);
  const size = maxBytes ? new TextEncoder().encode(text).length : 0;
  if (size > maxBytes) {
    // Answered here as the server would answer it, and like a frame from it after the sender has
    // finished: its error handler (by ref) releases its button and shows what to shrink.
    queueMicrotask(() => dispatch({
      type: "error",
      ref: message.ref ?? null,
      message: `This request is ${amount(size)}; the connection takes at most ${amount(maxBytes)}. ` +
        "Shorten the messages (long texts, pasted files or images) or run fewer columns at once.",
    }));
    return null;
  }
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(text);
    return opened;
  }
  pending.push(text);
  return opened + 1;
}

function dispatch(frame) {
  for (const fn of handlers.get(frame.type) || []) fn(frame);
  for (const fn of handlers.get("*") || []) fn(frame);
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/playground/`);
  setStatus("connecting");
  socket.addEventListener("open", () => {
    attempt = 0;
    opened += 1;
    setStatus("open");
    const queued = pending;
    pending = [];
    queued.forEach((text) => socket.send(text));
    dispatch({ type: "socket.open", connection: opened });
  });
  socket.addEventListener("message", (event) => {
    let frame;
    try {
      frame = expand(JSON.parse(event.data));
    } catch {
      return;
    }
    dispatch(frame);
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401) {
      setStatus("denied");
      return;
    }
    setStatus("closed");
    dispatch({ type: "socket.closed" });
    // Exponential backoff with jitter, capped, so a restarting server is not stampeded.
    const delay = Math.min(10000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setTimeout(connect, delay);
  });
}

connect();
window.playgroundSocket = { send, onFrame };
