"""The websocket protocol of runs: every message the run machinery sends is built here, once.

Frames of a run go to the browser. Each carries the run's id and a sequence number counted from
0 (`run.started`) with no gaps, so a client that sees a gap knows frames were lost and asks again
(`run.attach` with `after`). Examples (shortened):

    run.started   {"type": "run.started", "run": "Qk…", "seq": 0, "conversation": "Zp…",
                   "conversation_title": "Name a colour", "column": 0, "comparison": "", "model": "gpt-4o",
                   "provider": "OpenAI", "provider_id": "default", "parent": null, "request": {…},
                   "new_messages": [{"role": "user", "content": "Name a colour"}], "variables": ["colour"],
                   "differences": [{"key": "temperature", "label": "Temperature", "values": ["0.2", "0.9"]}]}
                   (variables: the names of the prompt variables the run filled in, [] without any;
                   differences only in compare mode: what differs between the columns)
    run.retrying  {"type": "run.retrying", "run": "Qk…", "seq": 1, "attempt": 1, "delay": 2.0,
                   "status": 429, "kind": "http", "message": "The provider is rate limiting requests."}
    run.delta     {"type": "run.delta", "run": "Qk…", "seq": 2, "elapsed": 0.41,
                   "choices": [{"index": 0, "content": "Teal"}], "usage": {…}?}
                   (a choice may also carry refusal, tool_calls [{index, id?, name?, arguments?}],
                   function_call, logprobs [{token, logprob, top_logprobs}], audio {data?, transcript?},
                   finish_reason)
    run.finished  {"type": "run.finished", "run": "Qk…", "seq": 9, "status": "completed",
                   "choices": [{"index": 0, "finish_reason": "stop", "html": "<p>Teal</p>"}],
                   "usage": {…}, "metrics": {"time_to_first_token": 0.4, …, "cost": "0.00012"},
                   "notices": []}
                   (metrics: time_to_first_token, total_time, output_tokens, output_tokens_estimated —
                   true when counted by our tokenizer because the server sent no usage —,
                   tokens_per_second (null without a measurable stream), cost)
    run.error     {"type": "run.error", "run": "Qk…", "seq": 4, "status": "failed",
                   "error": {"kind": "status", "status": 429, "message": "…", "hint": "…", "request_id": "…"},
                   "choices": […], "usage": null, "metrics": {…}, "notices": []}
    run.snapshot  {"type": "run.snapshot", "run": "Qk…", "status": "completed", …the stored run…}
                   (no seq: a whole stored run, for a run that is over when a client attaches)

Compact deltas. Most frames of a run are one piece of text for choice 0 (nothing else: no usage,
no finish reason, no other choice). A socket sends those as a JSON array instead of an object:

    [3, " word"]                      alias 3, seq implied, elapsed not given
    [3, " word", 1.52]                the same, with the run's elapsed seconds
    [3, "Teal", 0.412, "Qk…", 2]      defining: alias 3 is run "Qk…", this is its frame seq 2

The alias is a small number the socket gives each run it relays (from 1, never reused on that
socket). The first compact frame of a run on a socket, and the first after each run.attach of it,
is a defining one; after it the socket relays that run's frames in order and without gaps (it
mends gaps before relaying), so each compact frame is the frame after the one before it, full or
compact. Elapsed comes in the first delta and about once a second; between, a reader adds its own
clock's time since the last one. A reader turns a compact frame back into the full run.delta,

    [3, " word"]  ->  {"type": "run.delta", "run": "Qk…", "seq": 13, "elapsed": 1.6,
                       "choices": [{"index": 0, "content": " word"}]}

in the browser static/js/frames.js, in Python `Expander` below (tests, benchmarks, scripts). A
one-token frame costs 7 bytes around its text, where the object costs about 90.

Replies to the browser's own messages:

    run.accepted  {"type": "run.accepted", "ref": "r1", "runs": ["Qk…", …], "conversation": "Zp…"}
    run.rejected  {"type": "run.rejected", "ref": "r1", "message": "Fix the marked fields first.",
                   "errors": {"0": {"temperature": ["…"]}}}   (errors by column, then by field)
                  {"type": "run.rejected", "ref": "r1", "message": "The server is busy relaying other
                   runs. Try again in a few seconds.", "errors": {}, "retry_after": 5}
                   (this process is at its capacity: nothing started, the same start may work later)
    error         {"type": "error", "ref": "r1", "message": "That run is not streaming any more."}

The browser sends `run.start` {ref, conversation, parent?, fields: {name: [values]}, columns?:
[{fields, after?}], variables?: {name: value}} (the form as entered; the server parses it; the
messages' {{name}} placeholders are filled from `variables` and from fields named
`variables.<name>`, see params/templating.py), `run.rerun` {ref, run}, `run.cancel` {run} and
`run.attach` {run, after}. Experiments add their own messages (experiments/protocol.py).

Delivery inside the process and between processes. A run's task hands each frame, as a `run.frame`
event {run, seq, text, final, compact, elapsed, timed}, straight to the sockets of its own process
that watch it (a method call: no copy, no queue) and, on the channel layer, to each socket of
another process that asked to watch it. `compact` is the encoded text of a compact frame's choice-0
content (None when the frame has no compact form), `elapsed` its elapsed seconds and `timed`
whether a compact frame should carry them. A socket of another process watches by sending
`run.backlog` {reply_to, after, watch: true} to the run's control channel (the reply,
`run.backlog` {run, frames, live, ended}, holds the frames after `after`, and live frames follow)
and stops with `run.unwatch` {reply_to}; `run.cancel` goes to the control channel too.
"""

import json
import time

import orjson

STARTED = "run.started"
RETRYING = "run.retrying"
DELTA = "run.delta"
FINISHED = "run.finished"
ERROR = "run.error"
SNAPSHOT = "run.snapshot"
# The frames that end a run's stream: after one of these a run sends nothing more.
TERMINAL = frozenset({FINISHED, ERROR})

ACCEPTED = "run.accepted"
REJECTED = "run.rejected"
SOCKET_ERROR = "error"

# Channel-layer message types. Channels routes a message of type "a.b" to the handler `a_b`.
FRAME_EVENT = "run.frame"
CANCEL = "run.cancel"
BACKLOG = "run.backlog"
UNWATCH = "run.unwatch"


def encode(frame: dict) -> str:
    """Compact JSON text, non-ASCII as it is (as json.dumps with ensure_ascii=False and no spaces)."""
    try:
        return orjson.dumps(frame).decode()
    except TypeError:
        # What orjson will not encode (a str with a lone surrogate a provider sent as an escape,
        # an int past 64 bits) is encoded as before.
        return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def is_terminal(frame_type: str) -> bool:
    return frame_type in TERMINAL


# Frames of one run, before the task numbers them.


def started(meta: dict) -> dict:
    return {"type": STARTED, **meta}


def retrying(attempt: int, delay: float, message: str, status: int | None = None, kind: str | None = None) -> dict:
    """A failed attempt that will be sent again after `delay` seconds: its HTTP status (or error kind) and message."""
    return {"type": RETRYING, "attempt": attempt, "delay": round(delay, 2), "status": status, "kind": kind,
            "message": message}


def delta(choices: list[dict], elapsed: float, usage: dict | None = None) -> dict:
    frame = {"type": DELTA, "choices": choices, "elapsed": round(elapsed, 4)}
    if usage is not None:
        frame["usage"] = usage
    return frame


def ended(*, status: str, choices: list[dict], usage, metrics: dict, notices: list, error: dict | None) -> dict:
    """The last frame of a run: run.error when it failed (or was interrupted), else run.finished."""
    frame = {"type": ERROR if error else FINISHED, "status": status, "choices": choices, "usage": usage,
             "metrics": metrics, "notices": notices}
    if error:
        frame["error"] = error
    return frame


def numbered(run_id: str, seq: int, frame: dict) -> dict:
    return {"run": run_id, "seq": seq, **frame}


def snapshot(**stored) -> dict:
    return {"type": SNAPSHOT, **stored}


# Replies to the browser.


def accepted(ref, runs: list[str], conversation: str) -> dict:
    return {"type": ACCEPTED, "ref": ref, "runs": runs, "conversation": conversation}


def rejected(ref, message: str, errors: dict, retry_after: int | None = None) -> dict:
    frame = {"type": REJECTED, "ref": ref, "message": message, "errors": errors}
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def socket_error(message: str, ref=None) -> dict:
    return {"type": SOCKET_ERROR, "ref": ref, "message": message}


# Channel-layer messages between a run's task and the sockets watching it.


def frame_event(run_id: str, seq: int, frame: dict, text: str, timed: bool = True) -> dict:
    """What watchers get of a numbered frame: its text, and what a compact form of it needs."""
    return {"type": FRAME_EVENT, "run": run_id, "seq": seq, "text": text, "final": is_terminal(frame["type"]),
            "compact": compact_content(frame), "elapsed": frame.get("elapsed"), "timed": timed}


def compact_content(frame: dict) -> str | None:
    """The encoded content of a delta that has a compact form (only text for choice 0), else None."""
    if frame["type"] != DELTA or "usage" in frame or len(frame["choices"]) != 1:
        return None
    choice = frame["choices"][0]
    if choice.get("index") != 0 or len(choice) != 2 or not isinstance(choice.get("content"), str):
        return None
    return encode(choice["content"])


def compact(alias: int, event: dict, *, defining: bool) -> str:
    """The compact frame of a `run.frame` event for one socket (see the module docstring)."""
    if defining:
        return f'[{alias},{event["compact"]},{round(event["elapsed"], 3)},{encode(event["run"])},{event["seq"]}]'
    if event["timed"]:
        return f'[{alias},{event["compact"]},{round(event["elapsed"], 3)}]'
    return f'[{alias},{event["compact"]}]'


class Expander:
    """Full frames from what a socket sends, compact deltas expanded: static/js/frames.js in Python.

    One per socket connection. `expand(decoded)` returns the full frame of any decoded message."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.runs: dict[int, str] = {}  # alias -> run id
        self.next_seq: dict[str, int] = {}
        self.elapsed: dict[str, tuple[float, float]] = {}  # run -> (elapsed, clock when told)

    def expand(self, message):
        if not isinstance(message, list):
            if isinstance(message, dict) and isinstance(message.get("run"), str) and isinstance(message.get("seq"), int):
                self.next_seq[message["run"]] = message["seq"] + 1
                if isinstance(message.get("elapsed"), (int, float)):
                    self.elapsed[message["run"]] = (message["elapsed"], self.clock())
            return message
        alias, content = message[0], message[1]
        if len(message) >= 5:
            self.runs[alias] = message[3]
        run = self.runs[alias]
        seq = message[4] if len(message) >= 5 else self.next_seq[run]
        self.next_seq[run] = seq + 1
        if len(message) >= 3 and message[2] is not None:
            elapsed = message[2]
            self.elapsed[run] = (elapsed, self.clock())
        elif run in self.elapsed:
            told, at = self.elapsed[run]
            elapsed = round(told + self.clock() - at, 3)
        else:
            elapsed = 0.0
        return {"type": DELTA, "run": run, "seq": seq, "choices": [{"index": 0, "content": content}], "elapsed": elapsed}


def cancel_request(run_id: str) -> dict:
    return {"type": CANCEL, "run": run_id}


def backlog_request(run_id: str, reply_to: str, after: int, watch: bool = False) -> dict:
    """Frames after `after`, to `reply_to`; with `watch`, live frames to it from then on."""
    return {"type": BACKLOG, "run": run_id, "reply_to": reply_to, "after": after, "watch": watch}


def unwatch_request(run_id: str, reply_to: str) -> dict:
    return {"type": UNWATCH, "run": run_id, "reply_to": reply_to}


def backlog_reply(run_id: str, frames: list[str], *, live: bool, ended: bool) -> dict:
    """Encoded frames after the asker's last one; `ended` says they include the run's last frame."""
    return {"type": BACKLOG, "run": run_id, "frames": frames, "live": live, "ended": ended}
