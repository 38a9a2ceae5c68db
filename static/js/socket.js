// The page's one websocket: connects, reconnects with backoff, and routes JSON frames by "type".
// Other modules register handlers with `onFrame(type, fn)` and send with `send(obj)`.
// A message bigger than the server takes is refused here (MessageTooLarge), not sent to be
// dropped along with the connection.

const pageData = JSON.parse(document.getElementById("page-data")?.textContent || "{}");
const maxBytes = pageData.socket_max_bytes || null;
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

export class MessageTooLarge extends Error {
  constructor(size, limit) {
    super(`The message is ${size} bytes; the server takes at most ${limit}.`);
    this.size = size;
    this.limit = limit;
  }

  describe() {
    const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    return `${mb(this.size)}, and the server takes at most ${mb(this.limit)}`;
  }
}

// Sends now, or as soon as the socket (re)opens. Returns the number of the connection it goes
// out on, so a module can tell whether a later "socket.open" (detail: {connection}) is news.
export function send(message) {
  const text = JSON.stringify(message);
  if (maxBytes) {
    const size = new TextEncoder().encode(text).length;
    if (size > maxBytes) throw new MessageTooLarge(size, maxBytes);
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
      frame = JSON.parse(event.data);
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
