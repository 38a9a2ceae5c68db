"""Starting runs (parse, validate, store, hand to their tasks) and keeping the run table honest
(the interrupted-run sweep).

The caller (a session, see conversations/starting.py) decides which session the runs belong to;
this module never creates or looks up sessions itself.
"""

import asyncio
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from playground.ids import new_public_id
from playground.params.body import body_from_form
from playground.params.rules import validate_body
from playground.params.templating import MissingValues, fill, is_template, used_values, values_from_fields
from playground.providers.resolve import get_provider_for

from . import admission, branches, differences, limits, store
from .access import get_run_for
from .models import Run
from .task import ACTIVE, RunTask

log = logging.getLogger(__name__)
MAX_COLUMNS = 6
SWEEP_INTERVAL = settings.RUN_SWEEP_INTERVAL
_sweeper: asyncio.Task | None = None


class RunRejected(Exception):
    """The run.start message cannot be run as sent; `errors` is keyed by column, then by field.

    `retry_after` (seconds) when the same message may run later: this process is busy."""

    def __init__(self, message: str, errors: dict | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.retry_after = retry_after


@dataclass
class Column:
    """One run to start: where it goes, the exact body, the run it continues."""

    provider: object  # a providers.resolve.ProviderChoice
    config: object  # its ProviderConfig, checked
    body: dict
    parent: Run | None = None
    shared_messages: list | None = None
    control: str = ""
    # The messages as typed, with {{name}} placeholders, and the values filled in (None: nothing to fill).
    template: list | None = None
    variables: dict | None = None
    # Started by a scheduler with limits of its own (see Run.scheduled).
    scheduled: bool = False


@dataclass
class Plan:
    workspace: object
    conversation: object | None  # None: the caller makes a new session for these runs
    columns: list[Column] = field(default_factory=list)

    @property
    def first_body(self) -> dict:
        return self.columns[0].body


def _values(fields) -> dict:
    """The form fields a browser sent ({name: [values]} or {name: value}), as a plain dict."""
    return fields if isinstance(fields, dict) else {}


def _column_request(shared_fields: dict, column: dict) -> tuple[dict | None, str, dict]:
    """(body, provider id, field errors) of one column.

    A column is either what the user entered — the shared form's fields (messages among them)
    overlaid with the column's own fields — parsed here, by the one parser; or a request body a
    programmatic client sent as JSON, taken as it is and validated like any other."""
    if "body" in column:
        body = column["body"]
        return (body if isinstance(body, dict) else None), str(column.get("provider") or ""), {}
    data = {**shared_fields, **_values(column.get("fields"))}
    body, errors = body_from_form(data)
    provider = data.get("provider")
    provider = provider[-1] if isinstance(provider, list) and provider else provider
    return body, str(provider or ""), errors


def _variables(raw) -> dict:
    """run.start's `variables` ({name: value}) as text values; anything else is no values."""
    if not isinstance(raw, dict):
        return {}
    return {str(name): value for name, value in raw.items() if isinstance(value, str)}


def fill_variables(body: dict, values: dict) -> tuple[dict, list | None, dict | None, dict]:
    """(filled body, template, used values, field errors) of a parsed body whose messages may hold
    {{name}} placeholders. Without any, the body comes back as it is with no template."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not is_template(messages):
        return body, None, None, {}
    try:
        filled = fill(messages, values)
    except MissingValues as missing:
        return body, messages, None, {f"variables.{name}": [text] for name, text in missing.messages().items()}
    return {**body, "messages": filled}, messages, used_values(messages, values), {}


def _continued_run(user, conversation, run_id) -> Run | None:
    if not run_id:
        return None
    run = get_run_for(user, str(run_id))
    if conversation is None or run.conversation_id != conversation.pk:
        raise RunRejected("The run to continue from belongs to another session.")
    return run


def _check_capacity(starting: int) -> None:
    try:
        admission.check(starting)
    except admission.Busy as busy:
        raise RunRejected(busy.message, retry_after=busy.retry_after) from None


def _check_limits(user, starting: int) -> None:
    try:
        limits.check_run_allowed(user, starting)
    except limits.RunLimitExceeded as limited:
        raise RunRejected(limited.message) from None


def _provider_problems(workspace, provider_id: str, provider=None) -> tuple[object, object, list[str]]:
    try:
        provider = provider or get_provider_for(workspace, provider_id)
        # Checked again at run time: a name's address can change after the credential was saved.
        return provider, provider.checked_config(), []
    except Http404:
        return None, None, ["Choose a provider of this workspace."]
    except ValidationError as refused:
        return None, None, list(refused.messages)


def prepare(user, workspace, conversation, *, parent_id=None, columns=None, fields=None, variables=None) -> Plan:
    """Parse and validate every column of a run.start; raise RunRejected (nothing starts then).

    The caller has checked that `user` may write to `workspace` / `conversation`. Without
    `columns`, the shared `fields` are the one column. `variables` fill the {{name}} placeholders
    of every column's messages; a variable without a value refuses the start, naming it."""
    shared_fields = _values(fields)
    # The value boxes of the page post as fields (`variables.<name>`); a client may send a dict.
    values = {**values_from_fields(shared_fields), **_variables(variables)}
    if columns is None and shared_fields:
        columns = [{}]
    if not isinstance(columns, list) or not 1 <= len(columns) <= MAX_COLUMNS:
        raise RunRejected(f"Send between 1 and {MAX_COLUMNS} columns.")
    chosen_parent = _continued_run(user, conversation, parent_id)
    _check_limits(user, len(columns))
    history = branches.runs_of(conversation) if conversation is not None else []
    plan, errors = Plan(workspace, conversation), {}
    for index, column in enumerate(columns):
        column = column if isinstance(column, dict) else {}
        body, provider_id, problems = _column_request(shared_fields, column)
        if body is None:
            errors[index] = {"__all__": ["The request body must be a JSON object."]}
            continue
        body, template, used, missing = fill_variables(body, values)
        after = _continued_run(user, conversation, column.get("after"))
        shared = body.get("messages")
        if after is not None and isinstance(shared, list):
            body = {**body, "messages": branches.column_messages(shared, after)}
        for name, messages in missing.items():
            problems.setdefault(name, messages)
        if not missing:
            for name, messages in validate_body(body).items():
                problems.setdefault(name, messages)
        provider, config, refused = _provider_problems(workspace, provider_id)
        if refused:
            problems.setdefault("provider", []).extend(refused)
        if problems:
            errors[index] = problems
            continue
        # The run these messages continue: the one named, or else the run whose request and
        # answer they extend, so an edited earlier turn starts a branch beside the old one.
        parent = after or chosen_parent or branches.parent_for_messages(history, body["messages"])
        plan.columns.append(Column(provider, config, body, parent, shared if shared != body["messages"] else None,
                                   template=template, variables=used))
    if errors:
        raise RunRejected(_rejection_message(errors), errors)
    # Last, so that a start refused for its fields holds no place in the process's count.
    _check_capacity(len(plan.columns))
    return plan


def _rejection_message(errors: dict) -> str:
    names = sorted({key.split(".", 1)[1] for problems in errors.values() for key in problems if key.startswith("variables.")})
    if names:
        listed = ", ".join(f"“{name}”" for name in names)
        return f"Fill in the variable{'s' if len(names) > 1 else ''} {listed} first."
    return "Fix the marked fields first."


def scheduled_column(workspace, provider_id: str, body: dict, *, template=None, variables=None, provider=None) -> Column:
    """One run a scheduler (an experiment) starts: the filled body validated like any run.start's,
    the provider checked; raises RunRejected with field errors. The caller has checked access and
    keeps its own limits (the per-user run limits do not apply). `provider`: the workspace's
    ProviderChoice of that id, when the caller has resolved it already (a batch of cells)."""
    problems = dict(validate_body(body))
    provider, config, refused = _provider_problems(workspace, provider_id, provider)
    if refused:
        problems.setdefault("provider", []).extend(refused)
    if problems:
        first = next(iter(problems.values()))[0]
        raise RunRejected(first, {0: problems})
    return Column(provider, config, body, template=template, variables=variables, scheduled=True)


def prepare_rerun(user, run_id: str) -> Plan:
    """A stored request sent again unchanged, as a sibling of the original (same parent)."""
    run = get_run_for(user, str(run_id), write=True)
    workspace = run.conversation.workspace
    _check_limits(user, 1)
    provider, config, refused = _provider_problems(workspace, run.provider_id)
    if refused:
        raise RunRejected(f"“{run.provider_name}” is not a provider of this workspace any more: choose another "
                          "in the panel and run from there.")
    column = Column(provider, config, run.request, run.parent, run.shared_messages,
                    template=run.template, variables=run.variables)
    _check_capacity(1)
    return Plan(workspace, run.conversation, [column])


async def start_tasks(plan: Plan, conversation, user, layer, *, compare: bool = True, run_sync=None) -> list[RunTask]:
    """Store one run per column in `conversation`; return their tasks, not yet started, in column order.

    The caller subscribes its socket to the runs' groups before starting them, so it misses nothing.
    Several columns are one comparison unless `compare` is false (a scheduler's batch of unrelated runs).
    `run_sync` wraps the database step (default database_sync_to_async, whose one thread every run's
    checkpoints share); a scheduler passes its own."""
    for column in plan.columns:
        column.control = await control_channel(layer)
    comparison = new_public_id() if compare and len(plan.columns) > 1 else ""
    runs = await (run_sync or database_sync_to_async)(store_runs)(user, conversation, plan.columns, comparison=comparison)
    return tasks_for(runs, plan.columns, conversation, layer, comparison=comparison)


async def control_channel(layer) -> str:
    """A run's control channel (cancel, backlog and watch requests). A scheduler may take these
    ahead of time: making one is only naming it."""
    # The default prefix: channels_redis reads all of a process's own channels through one
    # key derived from it, and a channel with another prefix starves the rest (the sockets).
    return await layer.new_channel()


def store_runs(user, conversation, columns: list, *, comparison: str = "") -> list[Run]:
    """start_tasks' database step (each column's `control` set): for a scheduler that makes it part
    of its own step, then asks tasks_for."""
    return store.create_runs(user=user, conversation=conversation, columns=columns, comparison=comparison)


def tasks_for(runs: list[Run], columns: list, conversation, layer, *, comparison: str = "") -> list[RunTask]:
    """The tasks of runs just stored, one per column, in column order, not yet started."""
    compared = differences.as_rows([run.request for run in runs]) if comparison else None
    tasks = []
    for run, column in zip(runs, columns):
        meta = {
            "conversation": conversation.public_id, "conversation_title": conversation.title, "column": run.column,
            "comparison": comparison, "model": run.model, "provider": run.provider_name, "provider_id": run.provider_id,
            "parent": column.parent.public_id if column.parent else None, "request": run.request,
            # What this run added to its branch: the prompt a run card shows above its answer.
            "new_messages": branches.new_messages(run, column.parent),
            # The names of the prompt variables it filled: its card offers "Add to dataset".
            "variables": list(run.variables or {}),
        }
        if compared is not None:
            meta["differences"] = compared
        tasks.append(RunTask(run_id=run.public_id, control=column.control, config=column.config, body=column.body,
                             layer=layer, meta=meta))
    return tasks


def ensure_sweeper() -> None:
    """Start this process's sweeper once: at start-up and every SWEEP_INTERVAL, dead processes' runs become interrupted."""
    global _sweeper
    if _sweeper is None or _sweeper.done():
        _sweeper = asyncio.get_running_loop().create_task(_sweep_forever(), name="run sweeper")


async def sweep_once(now=None) -> int:
    """Mark other processes' dead runs interrupted; never this process's own (see store.sweep_interrupted)."""
    swept = await database_sync_to_async(store.sweep_interrupted)(now, alive=list(ACTIVE))
    if swept:
        log.warning("marked %d run(s) interrupted: their process stopped while they streamed", swept)
    return swept


async def _sweep_forever():
    while True:
        try:
            await sweep_once()
        except Exception:
            log.exception("the interrupted-run sweep failed")
        await asyncio.sleep(SWEEP_INTERVAL)
