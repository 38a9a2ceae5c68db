"""The database side of running cells: queueing, claiming, starting, finishing and stopping them, and
the progress counts. Short synchronous steps; the scheduler calls them through database_sync_to_async.

A cell's life: idle → queued → running (its run streams) → grading (a model-graded check is out)
→ done; or failed (the run failed, or it could not start) or cancelled (Stop all). A rate-limited
start goes back to queued with a pause (`not_before`), a few times.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone

from playground.conversations.search import reindex
from playground.params.templating import MissingValues, fill, used_values
from playground.providers.resolve import providers_for
from playground.runs import service
from playground.runs.branches import answer_text
from playground.runs.models import Run, Status

from . import checks as checking
from .building import template_of
from .grid import cell_context
from .models import ACTIVE_STATES, Cell, CellState, Check, CheckKind, Experiment

# Starts of one cell within a batch while its provider answers 429 (or its process died).
MAX_ATTEMPTS = 4
BACKOFF_BASE = 2.0
MAX_BACKOFF = 60.0
FINISHED_STATES = (CellState.DONE, CellState.FAILED, CellState.CANCELLED)
STOPPED = "not graded: stopped"


@dataclass
class Prepared:
    cell_id: int
    provider_id: str
    column: object | None = None  # a runs.service.Column to start
    error: str = ""
    public_id: str = ""
    row: str = ""
    variant: str = ""


# Queueing and stopping


def _scope(experiment: Experiment, scope: str, *, variant=None, row=None, cell=None):
    cells = experiment.cells.exclude(state__in=ACTIVE_STATES)
    if variant:
        cells = cells.filter(variant__public_id=str(variant))
    if row:
        cells = cells.filter(row__public_id=str(row))
    if cell:
        cells = cells.filter(public_id=str(cell))
    if scope == "failed":
        return cells.filter(state__in=[CellState.FAILED, CellState.CANCELLED])
    if scope == "all":
        return cells
    return cells.exclude(state=CellState.DONE)  # "unfinished": never run, failed or stopped


@transaction.atomic
def queue_cells(experiment: Experiment, user, scope: str = "unfinished", *, variant=None, row=None, cell=None) -> list[str]:
    """Queue the cells a Run / Re-run asks for; returns their ids. A new batch starts when nothing was active."""
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    chosen = list(_scope(experiment, scope, variant=variant, row=row, cell=cell).values_list("pk", "public_id"))
    count = Cell.objects.filter(pk__in=[pk for pk, _id in chosen]).update(
        state=CellState.QUEUED, attempts=0, not_before=None, error="", updated_at=timezone.now())
    if not count:
        return []
    now = timezone.now()
    if not experiment.cells.filter(state__in=ACTIVE_STATES).exclude(state=CellState.QUEUED).exists() and \
            experiment.cells.filter(state=CellState.QUEUED).count() == count:
        experiment.batch_started_at, experiment.batch_size = now, count
    else:
        experiment.batch_size += count
    experiment.batch_finished_at, experiment.run_by = None, user
    experiment.save(update_fields=["batch_started_at", "batch_size", "batch_finished_at", "run_by", "updated_at"])
    return [public_id for _pk, public_id in chosen]


@transaction.atomic
def stop_cells(experiment: Experiment) -> tuple[list[tuple[str, str]], list[str]]:
    """Stop all: queued cells go back to not run, grading ones keep their answer (the checks out
    are marked not graded). Returns (run id, control channel) of every run to cancel, and the
    cells that went back to not run."""
    waiting = list(experiment.cells.filter(state=CellState.QUEUED).values_list("public_id", flat=True))
    experiment.cells.filter(public_id__in=waiting).update(state=CellState.IDLE, updated_at=timezone.now())
    keys = [check.key for check in experiment.checks.all()]
    for cell in experiment.cells.filter(state=CellState.GRADING):
        cell.checks = {key: ({**value, "passed": None, "detail": STOPPED, "pending": False} if value.get("pending") else value)
                       for key, value in cell.checks.items()}
        for key in keys:
            cell.checks.setdefault(key, {"passed": None, "detail": STOPPED})
        cell.state, cell.passed = CellState.DONE, checking.overall(cell.checks, keys)
        cell.save(update_fields=["checks", "state", "passed", "updated_at"])
    runs = Run.objects.filter(conversation=experiment.conversation, status=Status.STREAMING)
    return list(runs.values_list("public_id", "worker")), waiting


# The driver's claim on an experiment


def claim_driver(experiment_id: str, channel: str) -> bool:
    """Become the process driving the experiment, unless a live one already is."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.RUN_STALE_AFTER)
    return bool(Experiment.objects.filter(public_id=experiment_id).filter(
        Q(driver="") | Q(driver_seen_at__isnull=True) | Q(driver_seen_at__lt=stale) | Q(driver=channel)
    ).update(driver=channel, driver_seen_at=now))


def heartbeat(experiment_id: str, channel: str) -> bool:
    """Still the driver? (False when another process took over after this one stalled.)"""
    return bool(Experiment.objects.filter(public_id=experiment_id, driver=channel).update(driver_seen_at=timezone.now()))


def release_driver(experiment_id: str, channel: str) -> None:
    Experiment.objects.filter(public_id=experiment_id, driver=channel).update(driver="", driver_seen_at=None)


def live_driver(experiment_id: str) -> str:
    stale = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER)
    row = Experiment.objects.filter(public_id=experiment_id, driver_seen_at__gte=stale).exclude(driver="").values_list("driver", flat=True).first()
    return row or ""


def orphaned_experiments() -> list[str]:
    """Experiments with cells to drive whose driver is gone (its process died or stalled)."""
    stale = timezone.now() - timedelta(seconds=settings.RUN_STALE_AFTER)
    waiting = Cell.objects.filter(state__in=ACTIVE_STATES).values("experiment_id")
    return list(Experiment.objects.filter(pk__in=waiting, conversation__deleted_at=None)
                .filter(Q(driver="") | Q(driver_seen_at__isnull=True) | Q(driver_seen_at__lt=stale))
                .values_list("public_id", flat=True))


# What to start


def queue_state(experiment_id: str) -> dict:
    """Per provider: its limit and how many cells wait ready now; whether anything waits at all;
    how many experiment runs the person who pressed Run has streaming."""
    # The driver asks before every start: the person's streaming runs come with the experiment (one round trip fewer).
    streaming = (Run.objects.filter(author_id=OuterRef("run_by_id"), scheduled=True, status=Status.STREAMING)
                 .order_by().values("author_id").annotate(n=Count("id")).values("n"))
    experiment = Experiment.objects.annotate(streaming=Coalesce(Subquery(streaming), 0)).get(public_id=experiment_id)
    now = timezone.now()
    queued = (experiment.cells.filter(state=CellState.QUEUED)
              .values("variant__provider_id")
              .annotate(ready=Count("id", filter=Q(not_before__isnull=True) | Q(not_before__lte=now)), waiting=Count("id")))
    providers = {row["variant__provider_id"]: {"limit": experiment.limit_for(row["variant__provider_id"]), "ready": row["ready"]}
                 for row in queued}
    return {"providers": providers, "waiting": sum(row["waiting"] for row in queued),
            "user_free": settings.EXPERIMENT_RUNS_MAX_CONCURRENT - experiment.streaming, "limits": dict(experiment.concurrency or {})}


def next_starts(experiment_id: str, inflight: dict[str, int], paused: set[str], room: int) -> dict:
    """What the driver starts now, in one step: per provider, as many ready queued cells as its
    limit leaves free (`inflight`: cells running per provider; `paused`: rate-limited providers),
    within the person's experiment-run cap and the process's `room`; claimed and prepared.
    Returns queue_state's numbers and `starts` (Prepared items)."""
    state = queue_state(experiment_id)
    free_total = min(state["user_free"], room)
    wanted = {}
    for provider_id, info in sorted(state["providers"].items()):
        free = min(info["limit"] - inflight.get(provider_id, 0), info["ready"], free_total)
        if provider_id in paused or free <= 0:
            continue
        wanted[provider_id] = free
        free_total -= free
    return {**state, "starts": prepare(claim(experiment_id, wanted)) if wanted else []}


def claim(experiment_id: str, wanted: dict[str, int]) -> list[Cell]:
    """Up to `wanted[provider]` ready queued cells of each provider, row by row, marked running (run
    to come), in one transaction (or in the caller's); loaded with what prepare reads."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        # Locked and loaded in one query per provider (only the cells are locked).
        queued = (Cell.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("run", "row", "variant", "experiment__conversation__workspace")
                  .filter(experiment__public_id=experiment_id, state=CellState.QUEUED)
                  .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
                  .order_by("row__position", "variant__position"))
        cells = []
        for provider_id, count in wanted.items():
            cells += queued.filter(variant__provider_id=provider_id)[:count]
        ids = [cell.pk for cell in cells]
        if not ids:
            return []
        # One plain UPDATE: bulk_update's CASE per cell cost more CPU than the rest of the driver's step.
        Cell.objects.filter(id__in=ids).update(state=CellState.RUNNING, run=None, attempts=F("attempts") + 1, checks={},
                                               passed=None, error="", updated_at=now)
        for cell in cells:
            # The run of an earlier attempt stays among the experiment's runs, listed with the cell.
            if cell.run is not None:
                cell.earlier_runs = [*cell.earlier_runs, cell.run.public_id]
                Cell.objects.filter(pk=cell.pk).update(earlier_runs=cell.earlier_runs)
            cell.state, cell.run, cell.attempts, cell.updated_at = CellState.RUNNING, None, cell.attempts + 1, now
    return cells


def prepare(cells: list[Cell]) -> list[Prepared]:
    """The run each claimed cell starts: its variant's template filled with its row's values, and the
    variant's options, validated like any run; a cell that cannot start is failed with the reason."""
    prepared = []
    choices = {}
    for cell in cells:
        experiment, variant = cell.experiment, cell.variant
        workspace = experiment.conversation.workspace
        if workspace.pk not in choices:
            # Once per batch, not per cell: resolving reads the workspace's credentials.
            choices[workspace.pk] = {choice.public_id: choice for choice in providers_for(workspace)}
        names = {"public_id": cell.public_id, "row": cell.row.public_id, "variant": variant.public_id}
        template = template_of(experiment, variant)
        try:
            messages = fill(template, {k: v for k, v in cell.row.values.items() if isinstance(v, str)})
        except MissingValues as missing:
            prepared.append(Prepared(cell.pk, variant.provider_id, error="This row has no value for "
                                     + ", ".join(f"“{name}”" for name in missing.names) + ".", **names))
            continue
        body = {**variant.options, "messages": messages}
        try:
            column = service.scheduled_column(workspace, variant.provider_id, body, template=template,
                                              variables=used_values(template, cell.row.values),
                                              provider=choices[workspace.pk].get(variant.provider_id))
        except service.RunRejected as refused:
            prepared.append(Prepared(cell.pk, variant.provider_id, error=refused.message, **names))
            continue
        prepared.append(Prepared(cell.pk, variant.provider_id, column=column, **names))
    for item in prepared:
        if item.error:
            Cell.objects.filter(pk=item.cell_id).update(state=CellState.FAILED, error=item.error, passed=None, checks={})
    return prepared


def attach_runs(pairs: list[tuple[int, Run]]) -> None:
    """Each started cell's run (cell id, its stored run), claimed before: one UPDATE from a list of
    pairs (bulk_update builds a CASE per cell, which cost the driver's step more than its queries)."""
    if not pairs:
        return
    table = connection.ops.quote_name(Cell._meta.db_table)
    rows = ", ".join(["(%s::bigint, %s::bigint)"] * len(pairs))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS cell SET run_id = started.run_id FROM (VALUES {rows}) AS started(cell_id, run_id) "
                       "WHERE cell.id = started.cell_id", [value for cell_id, run in pairs for value in (cell_id, run.pk)])


# Finishing


def _rate_limited(run: Run) -> float | None:
    error = run.error or {}
    if run.status == Status.FAILED and error.get("status") == 429:
        return float(error.get("retry_after") or 0)
    return None


def finish(cell_id: int) -> dict:
    """Judge a cell whose run ended. Returns {"state", "retry_in" (seconds, rate limited and queued
    again), "grade" (model-graded check ids to start), "frame" (what experiment.cell says of it now)}."""
    outcome = _finish(cell_id)
    outcome["frame"] = cell_frame_data(cell_id, with_html=outcome["state"] != CellState.QUEUED)
    return outcome


def _finish(cell_id: int) -> dict:
    cell = Cell.objects.select_related("run", "row", "experiment").get(pk=cell_id)
    run = cell.run
    if cell.state != CellState.RUNNING or run is None:
        return {"state": cell.state, "retry_in": None, "grade": []}
    all_checks = list(cell.experiment.checks.all())
    keys = [check.key for check in all_checks]
    retry_after = _rate_limited(run)
    interrupted = run.status == Status.INTERRUPTED
    if (retry_after is not None or interrupted) and cell.attempts < MAX_ATTEMPTS:
        pause = 0.0 if interrupted else min(MAX_BACKOFF, max(retry_after, BACKOFF_BASE * 2 ** (cell.attempts - 1)))
        pause *= 1 + random.random() / 4  # cells limited together do not all come back together
        cell.state, cell.not_before = CellState.QUEUED, timezone.now() + timedelta(seconds=pause)
        cell.error = f"The provider is rate limiting: trying again in {pause:.0f} s." if not interrupted else ""
        cell.save(update_fields=["state", "not_before", "error", "updated_at"])
        return {"state": cell.state, "retry_in": pause, "grade": []}
    grade = []
    if run.status == Status.COMPLETED:
        answer, expected = answer_text(run), cell.row.expected
        results = {}
        for check in all_checks:
            if check.kind == CheckKind.MODEL_GRADED:
                results[check.key] = {"passed": None, "detail": "waiting for the grader", "pending": True}
                grade.append(check.pk)
            else:
                results[check.key] = checking.judge(check.kind, check.config, answer=answer, expected=expected, run=run)
        cell.checks, cell.state = results, CellState.GRADING if grade else CellState.DONE
    elif run.status == Status.CANCELLED:
        cell.checks, cell.state = {}, CellState.CANCELLED
    else:
        message = (run.error or {}).get("message") or "The run failed."
        cell.checks = {key: {"passed": False, "detail": f"the run failed: {message}"[:300]} for key in keys}
        cell.state = CellState.FAILED
    cell.passed = checking.overall(cell.checks, keys) if cell.state != CellState.CANCELLED else None
    cell.error = ""
    cell.save(update_fields=["checks", "state", "passed", "error", "updated_at"])
    return {"state": cell.state, "retry_in": None, "grade": grade}


def prepare_grader(cell_id: int, check_id: int) -> Prepared | None:
    """The grader's run for one model-graded check of a cell that is grading; None when there is
    nothing to grade any more (stopped, re-run)."""
    cell = Cell.objects.select_related("run", "row", "experiment__conversation__workspace").get(pk=cell_id)
    check = Check.objects.filter(pk=check_id, experiment_id=cell.experiment_id).first()
    if cell.state != CellState.GRADING or check is None or cell.run is None:
        return None
    body = checking.grader_body(check.config, request=cell.run.request, answer=answer_text(cell.run), expected=cell.row.expected)
    provider = check.config.get("provider", "")
    try:
        column = service.scheduled_column(cell.experiment.conversation.workspace, provider, body)
    except service.RunRejected as refused:
        record_grade(cell_id, check_id, None, {"passed": None, "detail": f"the grader could not start: {refused.message}"})
        return Prepared(cell_id, provider, error=refused.message)
    return Prepared(cell_id, provider, column=column)


def record_grade(cell_id: int, check_id: int, run_id: str | None, outcome: dict | None = None) -> str:
    """A grader run started (outcome None: pending) or its verdict; returns the cell's state after."""
    with transaction.atomic():
        cell = Cell.objects.select_for_update().select_related("experiment").get(pk=cell_id)
        key = f"c{check_id}"
        if cell.state != CellState.GRADING:
            return cell.state
        if outcome is None:
            cell.checks[key] = {"passed": None, "detail": "grading…", "pending": True, "run": run_id}
        else:
            cell.checks[key] = {**outcome, **({"run": run_id} if run_id else {})}
        keys = list(cell.experiment.checks.values_list("pk", flat=True))
        if not any(value.get("pending") for value in cell.checks.values()):
            cell.state = CellState.DONE
            cell.passed = checking.overall(cell.checks, [f"c{pk}" for pk in keys])
        cell.save(update_fields=["checks", "state", "passed", "updated_at"])
        return cell.state


def grader_verdict(run_id: str) -> dict:
    run = Run.objects.get(public_id=run_id)
    if run.status != Status.COMPLETED:
        message = (run.error or {}).get("message") or run.status
        return {"passed": None, "detail": f"the grader run did not finish: {message}"[:300]}
    return checking.verdict(answer_text(run))


def to_grade(experiment_id: str) -> list[tuple[int, int]]:
    """(cell, check) of every model-graded check still owed by a grading cell whose grader run is not
    streaming: after a takeover these are started again."""
    owed = []
    cells = Cell.objects.filter(experiment__public_id=experiment_id, state=CellState.GRADING)
    live = set(Run.objects.filter(conversation__experiment__public_id=experiment_id, status=Status.STREAMING)
               .values_list("public_id", flat=True))
    checks = list(Check.objects.filter(experiment__public_id=experiment_id, kind=CheckKind.MODEL_GRADED))
    for cell in cells:
        for check in checks:
            value = cell.checks.get(check.key)
            if value is None or value.get("pending") and value.get("run") not in live:
                owed.append((cell.pk, check.pk))
    return owed


def recover(experiment_id: str) -> list[tuple[int, str, str | None]]:
    """On taking over: cells left running. Never started → queued again; their run over → judged
    by the caller; still streaming elsewhere → watched. Returns (cell, provider, run id or None)."""
    left = []
    for cell in Cell.objects.filter(experiment__public_id=experiment_id, state=CellState.RUNNING).select_related("run", "variant"):
        if cell.run is None:
            Cell.objects.filter(pk=cell.pk).update(state=CellState.QUEUED, attempts=max(0, cell.attempts - 1))
        else:
            left.append((cell.pk, cell.variant.provider_id, cell.run.public_id))
    return left


def run_statuses(run_ids: list[str]) -> dict[str, str]:
    return dict(Run.objects.filter(public_id__in=run_ids).values_list("public_id", "status"))


# What the page shows


def progress(experiment_id: str) -> dict:
    """done / running / queued / failed / idle (one grouped count), elapsed and an estimate of what is left."""
    experiment = Experiment.objects.only("batch_started_at", "batch_finished_at", "batch_size").get(public_id=experiment_id)
    counts = dict(Cell.objects.filter(experiment=experiment).values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    running = counts.get(CellState.RUNNING, 0) + counts.get(CellState.GRADING, 0)
    queued = counts.get(CellState.QUEUED, 0)
    total = sum(counts.values())
    active = bool(running or queued)
    elapsed, eta = None, None
    if experiment.batch_started_at:
        end = experiment.batch_finished_at if experiment.batch_finished_at and not active else timezone.now()
        elapsed = round((end - experiment.batch_started_at).total_seconds(), 1)
        finished = max(0, experiment.batch_size - running - queued)
        if active and finished and elapsed:
            eta = round((running + queued) * elapsed / finished, 1)
    return {"total": total, "done": counts.get(CellState.DONE, 0), "running": running, "queued": queued,
            "failed": counts.get(CellState.FAILED, 0), "cancelled": counts.get(CellState.CANCELLED, 0),
            "idle": counts.get(CellState.IDLE, 0), "elapsed": elapsed, "eta": eta, "active": active}


def end_batch(experiment_id: str) -> None:
    """Nothing left to drive: note when the batch ended and rebuild the search text once."""
    experiment = Experiment.objects.select_related("conversation").get(public_id=experiment_id)
    if experiment.cells.filter(state__in=ACTIVE_STATES).exists():
        return
    Experiment.objects.filter(pk=experiment.pk, batch_finished_at__isnull=True).update(batch_finished_at=timezone.now())
    reindex(experiment.conversation_id)


def cell_frame_data(cell_id: int, *, with_html: bool) -> dict:
    """What an experiment.cell frame says about a cell; with the grid's HTML of it once it has ended."""
    cell = Cell.objects.select_related("row", "variant", "run", "experiment").get(pk=cell_id)
    data = {"cell": cell.public_id, "row": cell.row.public_id, "variant": cell.variant.public_id, "state": cell.state,
            "run": cell.run.public_id if cell.run else None}
    if with_html:
        checks = list(cell.experiment.checks.all())
        data["html"] = render_to_string("experiments/cell.html", cell_context(cell, checks))
    return data
