// A cell's own page: while its run streams, the answer grows here; at the end the page reloads
// to show the rendered answer, the checks and the numbers from the server.

import { onFrame, send } from "./socket.js";

const data = JSON.parse(document.getElementById("page-data").textContent);
const target = document.querySelector("[data-stream-text]");

if (data.run && data.live) {
  onFrame("socket.open", () => send({ type: "run.attach", run: data.run, after: -1 }));
  onFrame("run.delta", (frame) => {
    if (frame.run !== data.run || !target) return;
    for (const choice of frame.choices || []) if ((choice.index || 0) === 0 && choice.content) target.append(document.createTextNode(choice.content));
  });
  const done = (frame) => {
    if (frame.run === data.run) setTimeout(() => window.location.reload(), 600);
  };
  onFrame("run.finished", done);
  onFrame("run.error", done);
  onFrame("run.snapshot", done);
}
