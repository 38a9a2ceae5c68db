"""Starting runs and keeping the run table honest (the interrupted-run sweep)."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.http import Http404
from django.conf import settings

from playground.conversations import branches
from playground.ids import new_public_id
from playground.params.rules import validate_body
from playground.teams import access, ratelimit

from . import store
from .task import ACTIVE, RunTask

log = logging.getLogger(__name__)
MAX_COLUMNS = 6
SWEEP_INTERVAL = settings.RUN_SWEEP_INTERVAL
_sweeper: asyncio.Task | None = None


class RunRejected(Exception):
    """The run.start message cannot be run as sent; `errors` is keyed by column, then by field."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


@database_sync_to_async
def prepare(user, session, *, conversation_id, parent_id, columns) -> dict:
    """Check access and validate every column; raise RunRejected, Http404 or PermissionDenied."""
    if not isinstance(columns, list) or not 1 <= len(columns) <= MAX_COLUMNS:
        raise RunRejected(f"Send between 1 and {MAX_COLUMNS} columns.")
    if conversation_id:
        conversation = access.get_conversation_for(user, conversation_id, write=True)
        workspace = conversation.workspace
    else:
        conversation = None
        workspace, membership = access.workspace_for_session(user, session)
        access.check_role(membership, write=True)
    parent = None
    if parent_id:
        parent = access.get_run_for(user, parent_id)
        if conversation is None or parent.conversation_id != conversation.pk:
            raise RunRejected("The run to continue from belongs to another session.")
    elif conversation is not None and columns and isinstance(columns[0], dict) and isinstance(columns[0].get("body"), dict):
        # No parent named: the run whose request and answer these messages continue, if any, so
        # an edited earlier turn starts a branch beside the old one instead of overwriting it.
        parent = branches.parent_for_messages(branches.runs_of(conversation), columns[0]["body"].get("messages") or [])
    try:
        ratelimit.check_run_allowed(user, len(columns))
    except ratelimit.RunLimitExceeded as limited:
        raise RunRejected(limited.message) from None
    prepared, errors = [], {}
    for index, column in enumerate(columns):
        column = column if isinstance(column, dict) else {}
        body = column.get("body")
        if not isinstance(body, dict):
            errors[index] = {"__all__": ["The request body must be a JSON object."]}
            continue
        problems = validate_body(body)
        provider = config = None
        try:
            provider = access.get_provider_for(workspace, str(column.get("provider", "")))
            # Checked again at run time: a name's address can change after the credential was saved.
            config = provider.checked_config()
        except Http404:
            problems.setdefault("provider", []).append("Choose a provider of this workspace.")
        except ValidationError as refused:
            problems.setdefault("provider", []).extend(refused.messages)
        if problems:
            errors[index] = problems
            continue
        prepared.append({"provider": provider, "body": body, "config": config})
    if errors:
        raise RunRejected("Fix the marked fields first.", errors)
    return {"workspace": workspace, "conversation": conversation, "parent": parent, "columns": prepared}


async def create_runs(user, session, layer, *, conversation_id=None, parent_id=None, columns=None) -> list[RunTask]:
    """Validate and store one run per column; return their tasks, not yet started, in column order.

    The caller subscribes its socket to the runs' groups before starting them, so it misses nothing."""
    plan = await prepare(user, session, conversation_id=conversation_id, parent_id=parent_id, columns=columns)
    for column in plan["columns"]:
        # The default prefix: channels_redis reads all of a process's own channels through one
        # key derived from it, and a channel with another prefix starves the rest (the sockets).
        column["control"] = await layer.new_channel()
    comparison = new_public_id() if len(plan["columns"]) > 1 else ""
    conversation, runs = await database_sync_to_async(store.create_runs)(
        user=user, workspace=plan["workspace"], conversation=plan["conversation"], columns=plan["columns"],
        comparison=comparison, parent=plan["parent"],
    )
    tasks = []
    for run, column in zip(runs, plan["columns"]):
        meta = {
            "conversation": conversation.public_id, "conversation_title": conversation.title, "column": run.column,
            "comparison": comparison, "model": run.model, "provider": run.provider_name, "provider_id": run.provider_id,
            "request": run.request,
        }
        tasks.append(RunTask(run_id=run.public_id, control=column["control"], config=column["config"], body=column["body"], layer=layer, meta=meta))
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
