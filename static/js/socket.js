// The page's one websocket: connects, reconnects with backoff, and routes JSON frames by "type".
// Other modules register handlers with `onFrame(type, fn)` and send with `send(obj)`.

import { expand } from "./frames.js";

const handlers = new Map();
const statusEl = document.getElementById("socket-status");
let socket = null;
let attempt = 0;
let pending = [];

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

export function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
  } else {
    pending.push(message);
  }
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
    setStatus("open");
    const queued = pending;
    pending = [];
    queued.forEach(send);
    dispatch({ type: "socket.open" });
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
