"""Two Daphne processes on one Redis and one PostgreSQL behave as one playground."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run, Status
from tests.runs.faults import provider_sent
from tests.runs.helpers import body, make_member

from .cluster import DaphneProcess, Socket, sequence_numbers, text_of

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# Slow enough (about 6 s) that sockets on the other process attach while the run streams.
SLOW_MODEL = "fake-gpt@delay=40,tokens=150"


async def stored_run(run_id: str) -> Run:
    return await sync_to_async(Run.objects.get)(public_id=run_id)


async def wait_until(predicate, timeout: float):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await predicate()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"condition not met within {timeout}s")


def assert_every_frame_once_in_order(frames):
    assert sequence_numbers(frames) == list(range(len(frames)))


async def test_it_streams_a_run_of_process_a_to_sockets_on_both(process_a, process_b, fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    starter = await Socket.open(process_a.url, cookie)
    run_id = await starter.start(provider, body(model=SLOW_MODEL))
    first = await starter.frames(3)
    watchers = [await Socket.open(process_b.url, cookie), await Socket.open(process_b.url, cookie)]
    for watcher in watchers:
        await watcher.send({"type": "run.attach", "run": run_id})

    seen = [first + await starter.frames_until_end()] + [await w.frames_until_end() for w in watchers]

    run = await stored_run(run_id)
    assert run.status == Status.COMPLETED
    for frames in seen:
        assert_every_frame_once_in_order(frames)
        assert frames[-1]["type"] == "run.finished"
        assert text_of(frames) == run.choices[0]["content"] != ""
    for socket in [starter, *watchers]:
        await socket.close()


async def test_it_cancels_from_process_b_a_run_of_process_a(process_a, process_b, fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    starter = await Socket.open(process_a.url, cookie)
    run_id = await starter.start(provider, body(model=SLOW_MODEL))
    watcher = await Socket.open(process_b.url, cookie)
    await watcher.send({"type": "run.attach", "run": run_id})
    watched = await watcher.frames(4)

    await watcher.send({"type": "run.cancel", "run": run_id})
    watched += await watcher.frames_until_end()
    started = await starter.frames_until_end()

    run = await stored_run(run_id)
    assert run.status == Status.CANCELLED
    for frames in (started, watched):
        assert_every_frame_once_in_order(frames)
        assert frames[-1]["type"] == "run.finished" and frames[-1]["status"] == Status.CANCELLED
        assert text_of(frames) == run.choices[0]["content"]
    assert run.choices[0]["content"] and run.choices[0].get("finish_reason") is None  # cut short, text kept
    await starter.close()
    await watcher.close()


async def test_it_marks_a_killed_process_run_interrupted_and_the_other_keeps_serving(
        process_b, redis_env, fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    with DaphneProcess("doomed", redis_env) as doomed:
        starter = await Socket.open(doomed.url, cookie)
        run_id = await starter.start(provider, body(model="fake-gpt@delay=40,tokens=600"))
        watcher = await Socket.open(process_b.url, cookie)
        await watcher.send({"type": "run.attach", "run": run_id})
        watched = await watcher.frames(3)

        async def checkpointed():
            run = await stored_run(run_id)
            return run.choices and run.choices[0].get("content")

        await wait_until(checkpointed, timeout=15)
        doomed.kill()

    # The watcher hears nothing more, then falls back to the stored run.
    watched += await watcher.frames_until_end(timeout=40)
    assert watched[-1]["type"] == "run.snapshot"

    async def interrupted():
        run = await stored_run(run_id)
        return run if run.status == Status.INTERRUPTED else None

    run = await wait_until(interrupted, timeout=30)
    checkpoint = run.choices[0]["content"]
    assert checkpoint and text_of(watched).startswith(checkpoint)
    assert provider_sent(body(model="fake-gpt@delay=40,tokens=600")).startswith(text_of(watched)), "sent once, in order"
    assert run.error["kind"] == "interrupted"

    await watcher.close()

    # Process B still serves: a new run on it streams to the end.
    socket = await Socket.open(process_b.url, cookie)
    run_b = await socket.start(provider, body(model="fake-gpt@tokens=10"), ref="after-kill")
    frames = await socket.frames_until_end()
    assert frames[-1]["type"] == "run.finished" and frames[-1]["run"] == run_b
    await socket.close()
