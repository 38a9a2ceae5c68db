"""A process at its capacity refuses new runs with "busy, try again", and takes them again later."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from playground.runs import admission
from playground.runs.models import Run

from .helpers import body, frames_until_end, make_member, open_socket, start

pytestmark = pytest.mark.django_db(transaction=True)


async def start_while_streaming(socket, provider, request_body, ref):
    """Start a run on a socket that also receives another run's frames: the reply to `ref`, the rest kept."""
    await socket.send_json_to({"type": "run.start", "ref": ref, "columns": [{"provider": provider.public_id, "body": request_body}]})
    while True:
        frame = await socket.receive_json_from(timeout=10)
        if frame.get("ref") == ref:
            return frame


async def test_it_refuses_a_run_past_the_process_capacity_and_takes_one_when_a_run_ends(fake_provider, settings):
    settings.RUNS_PER_PROCESS = 1
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    first = await start(socket, provider, body(model="fake-gpt@tokens=40,delay=20"), ref="r1")
    assert first["type"] == "run.accepted"

    refused = await start_while_streaming(socket, provider, body("Another"), ref="r2")
    assert refused["type"] == "run.rejected" and refused["ref"] == "r2"
    assert "busy" in refused["message"] and "Try again" in refused["message"]
    assert refused["retry_after"] >= 1 and refused["errors"] == {}
    assert await sync_to_async(Run.objects.count)() == 1, "nothing of the refused start was stored"

    frames = await frames_until_end(socket, first["runs"][0])
    assert frames[-1]["status"] == "completed", "the running run was not disturbed"
    again = await start(socket, provider, body("Another"), ref="r3")
    assert again["type"] == "run.accepted"
    await frames_until_end(socket, again["runs"][0])
    await socket.disconnect()


async def test_it_refuses_a_rerun_too(fake_provider, settings):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    done = await start(socket, provider, body(), ref="r1")
    await frames_until_end(socket, done["runs"][0])
    settings.RUNS_PER_PROCESS = 1
    running = await start(socket, provider, body(model="fake-gpt@tokens=40,delay=20"), ref="r2")
    await socket.send_json_to({"type": "run.rerun", "ref": "r3", "run": done["runs"][0]})
    refused = await socket.receive_json_from(timeout=10)
    while refused.get("ref") != "r3":
        refused = await socket.receive_json_from(timeout=10)
    # (frames of the running run before the reply are not needed here)
    assert refused["type"] == "run.rejected" and "busy" in refused["message"]
    await frames_until_end(socket, running["runs"][0])
    await socket.disconnect()


async def test_it_refuses_while_the_event_loop_runs_late(fake_provider, settings, monkeypatch):
    settings.RUNS_BUSY_LAG = 0.5
    monkeypatch.setattr(admission, "lag", 0.8)
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    refused = await start(socket, provider, body())
    assert refused["type"] == "run.rejected" and "busy" in refused["message"]
    monkeypatch.setattr(admission, "lag", 0.0)
    assert (await start(socket, provider, body(), ref="r2"))["type"] == "run.accepted"
    await socket.disconnect()


async def test_the_sampler_notices_a_blocked_loop(monkeypatch):
    monkeypatch.setattr(admission, "lag", 0.0)
    admission.ensure_sampler()
    await asyncio.sleep(admission.LAG_SAMPLE * 2)
    time.sleep(0.6)  # the loop is held: the sampler wakes that much late
    await asyncio.sleep(admission.LAG_SAMPLE * 2)
    assert admission.lag > 0.05
    admission._sampler.cancel()


async def test_a_burst_of_starts_is_admitted_only_up_to_the_capacity(fake_provider, settings):
    """Starts arriving together are checked before any of their tasks has begun: each admitted one
    counts from the moment it is admitted, so a burst cannot overshoot RUNS_PER_PROCESS."""
    settings.RUNS_PER_PROCESS = 2
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    sockets = [await open_socket(cookie) for _ in range(4)]
    replies = await asyncio.gather(*(start(socket, provider, body(model="fake-gpt@tokens=30,delay=20"), ref=f"r{n}")
                                     for n, socket in enumerate(sockets)))
    kinds = sorted(reply["type"] for reply in replies)
    assert kinds == ["run.accepted", "run.accepted", "run.rejected", "run.rejected"], kinds
    for socket, reply in zip(sockets, replies):
        if reply["type"] == "run.accepted":
            await frames_until_end(socket, reply["runs"][0])
    # Both ended: places free again, and a start refused for its fields held none meanwhile.
    invalid = await start(sockets[0], provider, body(temperature=9), ref="bad")
    assert invalid["type"] == "run.rejected" and "busy" not in invalid["message"]
    for n in range(2):
        assert (await start(sockets[n], provider, body(model="fake-gpt@tokens=3,delay=1"), ref=f"again{n}"))["type"] == "run.accepted"
    for socket in sockets:
        await socket.disconnect()


def test_an_admitted_start_that_never_began_frees_its_place_after_a_while(settings, monkeypatch):
    settings.RUNS_PER_PROCESS = 1
    clock = [1000.0]
    monkeypatch.setattr(admission.time, "monotonic", lambda: clock[0])
    admission.check(1)
    with pytest.raises(admission.Busy):
        admission.check(1)
    clock[0] += admission.RESERVATION_SECONDS + 1
    admission.check(1)  # the first start never began (its storing failed): its place is free again
