"""The websocket protocol of runs: the frames the server sends, serialized once per frame.

Every frame of a run carries the run's id and a sequence number, counted from 0 (`run.started`)
with no gaps, so a client that sees a gap knows frames were dropped and re-attaches.

    run.started   {run, seq, conversation, conversation_title, column, comparison, model, provider, provider_id,
                   parent, request, new_messages, differences? (compare mode: [{key, label, values}])}
    run.retrying  {run, seq, attempt, delay, status, kind, message}
    run.delta     {run, seq, choices: [{index, content?, refusal?, tool_calls?: [{index, id?, name?,
                   arguments?}], function_call?, logprobs?, audio?: {data?, transcript?},
                   finish_reason?}], usage?, elapsed}
    run.finished  {run, seq, status, choices: [{index, finish_reason, html}], usage, metrics, notices}
                  (metrics: time_to_first_token, total_time, output_tokens, output_tokens_estimated,
                   tokens_per_second, cost)
    run.error     {run, seq, status, error: {kind, status, message, hint, request_id}, metrics}

`run.snapshot` (no seq) carries a whole stored run, for runs that are over when a client attaches.

The browser starts runs with `run.start` {ref, conversation, parent?, fields: {name: [values]}, columns?:
[{fields, after?}]} (the form as entered; the server parses it) or `run.rerun` {ref, run}.
"""

import json

TERMINAL = ("run.finished", "run.error")


def run_group(run_id: str) -> str:
    return f"run.{run_id}"


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
