"""Checkpoints: one statement a second for all of a process's streaming runs, retried when it fails,
never reviving a run that is no longer streaming."""

import asyncio
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from playground.runs import checkpoints, store
from playground.runs.models import Run, Status
from tests.factories import make_run, make_session, make_user

from .helpers import body, frames_until_end, make_member, open_socket, start


def streaming_runs(count: int) -> list[Run]:
    session = make_session(make_user())
    old = timezone.now() - timedelta(seconds=30)
    runs = [make_run(session, answer="", status=Status.STREAMING, index=False) for _ in range(count)]
    Run.objects.filter(pk__in=[run.pk for run in runs]).update(heartbeat_at=old)
    return runs


def choices(text: str) -> list[dict]:
    return [{"index": 0, "content": text, "finish_reason": None}]


@pytest.mark.django_db
def test_one_statement_writes_the_text_of_some_runs_and_the_heartbeat_of_others():
    first, second, quiet = streaming_runs(3)
    before = timezone.now() - timedelta(seconds=1)
    with CaptureQueriesContext(connection) as queries:
        written = store.checkpoint_many([(first.public_id, choices("One")), (second.public_id, choices("Two")),
                                         (quiet.public_id, None)])
    assert len(queries) == 1
    assert written == {first.public_id, second.public_id, quiet.public_id}
    for run in (first, second, quiet):
        run.refresh_from_db()
        assert run.heartbeat_at > before
    assert first.choices == choices("One") and second.choices == choices("Two")
    assert quiet.choices == [{"index": 0, "content": "", "finish_reason": "stop"}], "a heartbeat keeps the text"


@pytest.mark.django_db
def test_a_run_no_longer_streaming_is_not_revived():
    interrupted, live = streaming_runs(2)
    Run.objects.filter(pk=interrupted.pk).update(status=Status.INTERRUPTED)
    written = store.checkpoint_many([(interrupted.public_id, choices("Late")), (live.public_id, choices("Live"))])
    assert written == {live.public_id}
    interrupted.refresh_from_db()
    assert interrupted.status == Status.INTERRUPTED and interrupted.choices[0]["content"] == ""


def fake_task(run: Run, *, dirty: bool, wrote_ago: float, text: str = "") -> SimpleNamespace:
    return SimpleNamespace(run_id=run.public_id, status=Status.STREAMING, finished=asyncio.Event(), dirty=dirty,
                           last_write=time.monotonic() - wrote_ago,
                           assembler=SimpleNamespace(snapshot=lambda: choices(text)))


@pytest.mark.django_db(transaction=True)
async def test_the_writer_takes_changed_runs_and_due_heartbeats_and_retries_a_failed_write(monkeypatch):
    changed, due_heartbeat, recent = await sync_to_async(streaming_runs)(3)
    active = {
        "a": fake_task(changed, dirty=True, wrote_ago=0.5, text="New text"),
        "b": fake_task(due_heartbeat, dirty=False, wrote_ago=checkpoints.HEARTBEAT_INTERVAL + 1),
        "c": fake_task(recent, dirty=False, wrote_ago=0.5),
    }
    real = store.checkpoint_many

    def failing(rows):
        raise DatabaseError("the server is restarting")

    monkeypatch.setattr(store, "checkpoint_many", failing)
    with pytest.raises(DatabaseError):
        await checkpoints.write_due(active)
    assert active["a"].dirty, "the failed write's text is written by the next attempt"

    statements = []

    def counting(rows):
        statements.append(sorted(run_id for run_id, _ in rows))
        return real(rows)

    monkeypatch.setattr(store, "checkpoint_many", counting)
    assert await checkpoints.write_due(active) == 2
    assert statements == [sorted([changed.public_id, due_heartbeat.public_id])]
    assert not active["a"].dirty
    stored = await sync_to_async(Run.objects.get)(pk=changed.pk)
    assert stored.choices == choices("New text")
    assert await checkpoints.write_due(active) == 0, "nothing changed, no heartbeat due: no statement"


@pytest.mark.django_db(transaction=True)
async def test_a_streaming_run_is_checkpointed_while_it_streams(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    run_id = (await start(socket, provider, body(model="fake-gpt@tokens=150,delay=20")))["runs"][0]

    async def checkpointed_text():
        run = await sync_to_async(Run.objects.get)(public_id=run_id)
        return run.status == Status.STREAMING and run.choices and run.choices[0]["content"]

    deadline = time.monotonic() + 10
    while not await checkpointed_text():
        assert time.monotonic() < deadline, "no checkpoint while the run streamed"
        await asyncio.sleep(0.1)
    frames = await frames_until_end(socket, run_id, timeout=20)
    assert frames[-1]["status"] == "completed"
    await socket.disconnect()
