"""The database goes away mid-run (a restart, cut connections), or another process takes a run for dead:
the run streams on, its checkpoints resume, and the stored text is what the provider sent, once."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from playground.runs import service, store
from playground.runs.consumer import DATABASE_AWAY_MESSAGE
from playground.runs.models import Run, Status

from .faults import database_away, eventually, provider_sent, reconnect_afterwards  # noqa: F401 (a fixture)
from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reconnect_afterwards")]
# Long enough (about 16 s) to stream on well past a few seconds without the database.
LONG = "fake-gpt@tokens=800,delay=20"


def stored(run_id: str) -> Run:
    return Run.objects.get(public_id=run_id)


async def start_long_run(fake_provider, request_body):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, request_body)
    run_id = accepted["runs"][0]
    checkpoint = await eventually(lambda: stored(run_id).choices and stored(run_id).choices[0].get("content"))
    return socket, run_id, checkpoint


async def test_it_checkpoints_again_once_the_database_is_back(fake_provider):
    request_body = body(model=LONG)
    socket, run_id, before = await start_long_run(fake_provider, request_body)
    async with database_away():
        seen = [await socket.receive_json_from(timeout=5)]  # frames keep coming: no database on that path
        await asyncio.sleep(3)  # several checkpoints' worth

    def newer_checkpoint():
        run = stored(run_id)
        return run.status == Status.STREAMING and len(run.choices[0]["content"]) > len(before)

    await eventually(newer_checkpoint)
    frames = seen + await frames_until_end(socket, run_id, timeout=60)
    run = await sync_to_async(stored)(run_id)
    assert run.status == Status.COMPLETED
    assert text_of(frames) == run.choices[0]["content"] == provider_sent(request_body)
    await socket.disconnect()


async def test_it_never_sweeps_a_run_of_its_own_process(fake_provider):
    socket, run_id, _ = await start_long_run(fake_provider, body(model=LONG))
    # However late its heartbeat looks, this process knows the run is alive.
    assert await service.sweep_once(now=timezone.now() + timedelta(hours=1)) == 0
    assert (await sync_to_async(stored)(run_id)).status == Status.STREAMING
    frames = await frames_until_end(socket, run_id, timeout=60)
    assert frames[-1]["type"] == "run.finished" and frames[-1]["status"] == Status.COMPLETED
    await socket.disconnect()


async def test_it_keeps_the_whole_answer_and_says_so_when_another_process_marked_it_interrupted(fake_provider):
    request_body = body(model=LONG)
    socket, run_id, _ = await start_long_run(fake_provider, request_body)
    # Another process's sweep, which cannot know this run is alive, finds its heartbeat late.
    assert await sync_to_async(store.sweep_interrupted)(timezone.now() + timedelta(hours=1)) == 1
    assert (await sync_to_async(stored)(run_id)).status == Status.INTERRUPTED
    frames = await frames_until_end(socket, run_id, timeout=60)
    run = await sync_to_async(stored)(run_id)
    assert run.status == Status.COMPLETED
    assert run.choices[0]["content"] == provider_sent(request_body)
    [notice] = [n for n in run.notices if "marked it interrupted" in n]
    assert "the answer here is complete" in notice and notice in frames[-1]["notices"]
    await socket.disconnect()


async def test_it_answers_a_socket_message_while_the_database_is_away_and_stays_open(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    async with database_away():
        await socket.send_json_to({"type": "run.attach", "ref": "a1", "run": "no-such-run-000000000"})
        answer = await socket.receive_json_from(timeout=10)
    assert answer == {"type": "error", "ref": "a1", "message": DATABASE_AWAY_MESSAGE}
    await socket.send_json_to({"type": "ping", "id": 4})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong", "id": 4}
    await socket.disconnect()
