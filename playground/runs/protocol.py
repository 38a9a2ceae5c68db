"""The websocket protocol of runs: every message the run machinery sends is built here, once.

Frames of a run go to the browser. Each carries the run's id and a sequence number counted from
0 (`run.started`) with no gaps, so a client that sees a gap knows frames were lost and asks again
(`run.attach` with `after`). Examples (shortened):

    run.started   {"type": "run.started", "run": "Qk…", "seq": 0, "conversation": "Zp…",
                   "conversation_title": "Name a colour", "column": 0, "comparison": "", "model": "gpt-4o",
                   "provider": "OpenAI", "provider_id": "default", "parent": null, "request": {…},
                   "new_messages": [{"role": "user", "content": "Name a colour"}],
                   "differences": [{"key": "temperature", "label": "Temperature", "values": ["0.2", "0.9"]}]}
                   (differences only in compare mode: what differs between the columns)
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

Replies to the browser's own messages:

    run.accepted  {"type": "run.accepted", "ref": "r1", "runs": ["Qk…", …], "conversation": "Zp…"}
    run.rejected  {"type": "run.rejected", "ref": "r1", "message": "Fix the marked fields first.",
                   "errors": {"0": {"temperature": ["…"]}}}   (errors by column, then by field)
    error         {"type": "error", "ref": "r1", "message": "That run is not streaming any more."}

The browser sends `run.start` {ref, conversation, parent?, fields: {name: [values]}, columns?:
[{fields, after?}]} (the form as entered; the server parses it), `run.rerun` {ref, run},
`run.cancel` {run} and `run.attach` {run, after}.

Between processes, on the channel layer: `run.frame` events carry an encoded frame to the run's
group; `run.cancel` and `run.backlog` requests go to a run's control channel, and a backlog reply
(`run.backlog` {run, frames, live, ended}) goes back to the asking socket.
"""

import json

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


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def run_group(run_id: str) -> str:
    return f"run.{run_id}"


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


def rejected(ref, message: str, errors: dict) -> dict:
    return {"type": REJECTED, "ref": ref, "message": message, "errors": errors}


def socket_error(message: str, ref=None) -> dict:
    return {"type": SOCKET_ERROR, "ref": ref, "message": message}


# Channel-layer messages between a run's task and the sockets watching it.


def frame_event(run_id: str, seq: int, text: str, frame_type: str) -> dict:
    return {"type": FRAME_EVENT, "run": run_id, "seq": seq, "text": text, "final": is_terminal(frame_type)}


def cancel_request(run_id: str) -> dict:
    return {"type": CANCEL, "run": run_id}


def backlog_request(run_id: str, reply_to: str, after: int) -> dict:
    return {"type": BACKLOG, "run": run_id, "reply_to": reply_to, "after": after}


def backlog_reply(run_id: str, frames: list[str], *, live: bool, ended: bool) -> dict:
    """Encoded frames after the asker's last one; `ended` says they include the run's last frame."""
    return {"type": BACKLOG, "run": run_id, "frames": frames, "live": live, "ended": ended}
