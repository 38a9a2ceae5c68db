// Compact run.delta frames back to their full shape, for socket.js to dispatch like any frame.
// The server sends a delta that is only text for choice 0 as an array (runs/protocol.py's
// docstring has the rules; protocol.Expander is the same code in Python):
//   [alias, text]                    the next frame of the run this socket calls `alias`
//   [alias, text, elapsed]           the same, with the run's elapsed seconds
//   [alias, text, elapsed, run, seq] defining: `alias` is `run`, and this is its frame `seq`
// The socket relays each run's frames in order without gaps, so a frame without a seq is the one
// after the last frame of its run, full or compact. Between elapsed times the clock here counts on.

const runOfAlias = new Map(); // alias -> run id (aliases are never reused on one connection)
const nextSeq = new Map(); // run id -> seq of its next frame
const clocks = new Map(); // run id -> { elapsed, at } : the last elapsed time told, and when

function noteElapsed(run, elapsed) {
  clocks.set(run, { elapsed, at: performance.now() });
}

export function expand(frame) {
  if (!Array.isArray(frame)) {
    if (frame && typeof frame.run === "string" && Number.isInteger(frame.seq)) {
      nextSeq.set(frame.run, frame.seq + 1);
      if (typeof frame.elapsed === "number") noteElapsed(frame.run, frame.elapsed);
    }
    return frame;
  }
  const [alias, content, told, definedRun, definedSeq] = frame;
  if (frame.length >= 5) runOfAlias.set(alias, definedRun);
  const run = runOfAlias.get(alias);
  if (run === undefined) return { type: "frame.unknown", alias };
  const seq = frame.length >= 5 ? definedSeq : nextSeq.get(run);
  nextSeq.set(run, seq + 1);
  let elapsed = 0;
  if (typeof told === "number") {
    elapsed = told;
    noteElapsed(run, told);
  } else if (clocks.has(run)) {
    const clock = clocks.get(run);
    elapsed = Math.round((clock.elapsed + (performance.now() - clock.at) / 1000) * 1000) / 1000;
  }
  return { type: "run.delta", run, seq, choices: [{ index: 0, content }], elapsed };
}
