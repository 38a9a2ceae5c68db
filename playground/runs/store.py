"""Short, synchronous database steps of a run. Callers in async code wrap them in database_sync_to_async.

Writes per run: one insert at start, its share of one checkpoint statement a second for all the
process's runs while its text changes (and a heartbeat every few seconds when it does not; see
checkpoints.py), one update at the end — never one per token.
"""

import logging
from datetime import timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from playground.params.notices import ignored_options

from . import differences, pricing, protocol
from .branches import new_messages
from .models import Run, Status
from .render import render_markdown
from .signals import run_finished

# A run whose process has not written for this long is taken for dead (see HEARTBEAT_INTERVAL).
STALE_AFTER = timedelta(seconds=settings.RUN_STALE_AFTER)
REVIVED_NOTICE = ("Another server process took this run for stopped at {when} (its own process could not write to "
                  "the database for a while) and marked it interrupted; it went on streaming and finished, so the "
                  "answer here is complete.")
log = logging.getLogger(__name__)


def create_runs(*, user, conversation, columns: list, comparison: str) -> list[Run]:
    """One streaming Run per column (service.Column) in `conversation`, in column order: one INSERT."""
    return Run.objects.bulk_create([
        Run(
            conversation=conversation,
            author=user,
            parent=column.parent,
            comparison=comparison,
            column=index,
            provider_id=column.provider.public_id,
            provider_name=column.provider.name,
            model=column.body.get("model", ""),
            request=column.body,
            shared_messages=column.shared_messages,
            template=column.template,
            variables=column.variables,
            scheduled=column.scheduled,
            worker=column.control,
        )
        for index, column in enumerate(columns)
    ])


def checkpoint(run_id: str, choices: list[dict]) -> bool:
    """Store the text so far and the heartbeat; False when the run is no longer `streaming` here
    (another process took it for dead and marked it interrupted)."""
    return run_id in checkpoint_many([(run_id, choices)])


def checkpoint_many(rows: list[tuple[str, list[dict] | None]]) -> set[str]:
    """One UPDATE for many streaming runs: (run id, choices) writes the choices and the heartbeat,
    (run id, None) the heartbeat only. Runs no longer `streaming` are left alone; returns the ids written."""
    if not rows:
        return set()
    table = connection.ops.quote_name(Run._meta.db_table)
    values = ", ".join(["(%s, %s::jsonb)"] * len(rows))
    params = []
    for run_id, choices in rows:
        params += [run_id, None if choices is None else orjson.dumps(choices).decode()]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS run SET choices = COALESCE(due.choices, run.choices), heartbeat_at = %s "
            f"FROM (VALUES {values}) AS due (public_id, choices) "
            f"WHERE run.public_id = due.public_id AND run.status = %s RETURNING run.public_id",
            [timezone.now(), *params, Status.STREAMING],
        )
        return {row[0] for row in cursor.fetchall()}


def drop_connection() -> None:
    """Close this thread's database connection (after a failed write: the next one reconnects)."""
    connection.close()


# The fields of a finished run that pricing and the run_finished receivers read.
FINISHED_FIELDS = ("public_id", "conversation_id", "model", "usage",
                   "conversation__workspace_id", "conversation__kind", "conversation__title")


def finish(run_id: str, *, status, choices, response, usage, error, chunk_times, chunk_lengths, metrics, notices) -> tuple[str | None, list[str]]:
    """Store the end of a run; return its cost in the workspace's prices (as text, when known) and
    the notices stored with it.

    Only a `streaming` run is finished. One that another process marked interrupted meanwhile
    (this process could not write its heartbeat: a database outage, a stalled machine) still gets
    its whole answer, which is what the provider sent, but keeps a notice saying what happened,
    so the record does not pretend the interruption never was. Any other status is left alone.
    """
    now = timezone.now()
    end = dict(status=status, choices=choices, response=response, usage=usage, error=error, chunk_times=chunk_times,
               chunk_lengths=chunk_lengths, finished_at=now, heartbeat_at=now, **metrics)
    if not Run.objects.filter(public_id=run_id, status=Status.STREAMING).update(notices=notices, **end):
        marked = Run.objects.filter(public_id=run_id, status=Status.INTERRUPTED).values_list("finished_at", flat=True).first()
        if marked is None:
            return None, notices  # deleted, or already ended some other way: nothing to add
        notices = [*notices, REVIVED_NOTICE.format(when=f"{marked:%H:%M:%S} UTC")]
        Run.objects.filter(public_id=run_id, status=Status.INTERRUPTED).update(notices=notices, **end)
        log.warning("run %s was marked interrupted by another process at %s and has now finished: stored with a notice",
                    run_id, marked, extra={"run_id": run_id})
    # What pricing and the run_finished receivers read, not the answer and request just written
    # nor the session's search text.
    run = Run.objects.select_related("conversation").only(*FINISHED_FIELDS).get(public_id=run_id)
    cost = pricing.cost_for(run)  # reads the workspace's prices only when the provider reported usage
    if cost is not None:
        # Kept on the run, so totals over many runs (an experiment's summary) are one SQL aggregate.
        run.cost = cost
        Run.objects.filter(pk=run.pk).update(cost=cost)
    # Once per finished run, never while streaming (sessions rebuild their search text then).
    run_finished.send(sender=Run, run=run)
    return (None if cost is None else str(cost)), notices


def sweep_interrupted(now=None, *, alive=()) -> int:
    """Mark runs left `streaming` by a dead process as `interrupted`, keeping their checkpointed text.

    `alive`: ids of runs the calling process is running. Their heartbeat may be late (the
    database was away), but they are not dead: a process never sweeps its own runs."""
    now = now or timezone.now()
    stale = Run.objects.filter(status=Status.STREAMING, heartbeat_at__lt=now - STALE_AFTER).exclude(public_id__in=list(alive))
    return stale.update(
        status=Status.INTERRUPTED, finished_at=now, error={"kind": "interrupted", "message": "The server stopped while this run was streaming. The text received until then is kept."}
    )


def notices_for(body: dict, choices: list[dict], usage: dict | None, status: str, *, retries: list[dict] = (),
                error=None) -> list[str]:
    """Plain-words notes: what was retried and why, and, for a completed run, where the response
    shows the server ignored an option that was asked for (params/notices.py)."""
    notes = [retry_notice(retries, error)] if retries else []
    if status == Status.COMPLETED:
        notes += ignored_options(body, choices, usage)
    return notes


def retry_notice(retries: list[dict], error=None) -> str:
    """E.g. "Sent 3 times: attempt 1 got HTTP 503 (…), retried after 0.4 s; …"."""
    attempts = len(retries) + 1
    steps = "; ".join(
        f"attempt {r['attempt']} got {_failure(r)}, retried after {r['delay']:g} s" for r in retries)
    if error is not None and error.attempts >= attempts:
        outcome = f"attempt {attempts} failed too, and was not retried ({_why_not(error)})"
    elif error is not None:
        outcome = "then it failed"
    else:
        outcome = f"attempt {attempts} was answered"
    return f"Sent {attempts} times: {steps}; {outcome}."


def _failure(retry: dict) -> str:
    what = f"HTTP {retry['status']}" if retry.get("status") else f"a {retry.get('kind', 'connection')} error"
    message = retry.get("message") or ""
    return f"{what} ({message[:120]}{'…' if len(message) > 120 else ''})" if message else what


def _why_not(error) -> str:
    if error.invalid_request:
        return "the server called the request invalid"
    if error.proxy_retries:
        return f"a proxy had retried it {error.proxy_retries} times already"
    if error.proxy:
        return f"{error.proxy} in between retries by itself"
    if error.retryable:
        return "no retries or retry time left"
    return "repeating it could not help"


def _cost_text(run: Run) -> str | None:
    cost = pricing.cost_for(run, pricing.prices_of(run.conversation.workspace))
    return None if cost is None else str(cost)


def snapshot_frame(run: Run) -> dict:
    """A whole stored run as one frame, for sockets that attach after its task has gone."""
    compared = None
    if run.comparison:
        requests = Run.objects.filter(conversation_id=run.conversation_id, comparison=run.comparison).order_by("column")
        compared = differences.as_rows(list(requests.values_list("request", flat=True)))
    frame = protocol.snapshot(
        run=run.public_id,
        status=run.status,
        conversation=run.conversation.public_id,
        column=run.column,
        comparison=run.comparison,
        model=run.model,
        provider=run.provider_name,
        provider_id=run.provider_id,
        request=run.request,
        parent=run.parent.public_id if run.parent_id and run.parent else None,
        new_messages=new_messages(run, run.parent if run.parent_id else None),
        variables=list(run.variables or {}),
        choices=[{**c, "html": render_markdown(c.get("content", ""))} for c in run.choices],
        usage=run.usage,
        error=run.error,
        notices=run.notices,
        metrics={
            "cost": _cost_text(run),
            "time_to_first_token": run.time_to_first_token,
            "total_time": run.total_time,
            "output_tokens": run.output_tokens,
            # Without the server's usage the stored count came from our tokenizer.
            "output_tokens_estimated": not (run.usage and isinstance(run.usage.get("completion_tokens"), int)),
            "tokens_per_second": run.tokens_per_second,
        },
    )
    if compared is not None:
        frame["differences"] = compared
    return frame
