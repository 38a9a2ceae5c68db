"""Cancel, re-attach, several watchers, dropped frames and dead processes: no text lost or doubled."""

import asyncio
import threading
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from playground.core.consumers import PlaygroundConsumer
from playground.runs import store
from playground.runs.models import Run

from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)
# Long enough that a socket attaching after a few deltas always finds the run still streaming.
SLOW = "fake-gpt@tokens=150,delay=30"


async def receive_deltas(socket, count):
    frames = []
    while sum(f["type"] == "run.delta" for f in frames) < count:
        frames.append(await socket.receive_json_from(timeout=10))
    return frames


async def test_it_cancels_and_closes_the_upstream_request(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model="fake-gpt@tokens=500,delay=20"))
    run_id = accepted["runs"][0]
    frames = await receive_deltas(socket, 3)
    await socket.send_json_to({"type": "run.cancel", "run": run_id})
    frames += await frames_until_end(socket, run_id)
    assert frames[-1]["type"] == "run.finished"
    assert frames[-1]["status"] == "cancelled"
    assert await sync_to_async(fake_provider.wait_until)(lambda: fake_provider.streams[-1].closed_by_client_at is not None)
    assert fake_provider.streams[-1].outcome == "client_closed"
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == "cancelled"
    assert run.choices[0]["content"] == text_of(frames)
    assert len(text_of(frames)) > 0
    await socket.disconnect()


async def test_it_resumes_after_a_disconnect_with_the_backlog_then_live_frames(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    first = await open_socket(cookie)
    accepted = await start(first, provider, body(model=SLOW))
    run_id = accepted["runs"][0]
    seen = await receive_deltas(first, 3)
    await first.disconnect()  # the tab closes; the run goes on

    second = await open_socket(cookie)
    await second.send_json_to({"type": "run.attach", "run": run_id})
    frames = await frames_until_end(second, run_id)
    assert [f["seq"] for f in frames] == list(range(len(frames)))
    assert frames[0]["type"] == "run.started"
    assert text_of(frames).startswith(text_of(seen))
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == "completed"
    assert text_of(frames) == run.choices[0]["content"]
    await second.disconnect()


async def test_it_streams_one_run_to_two_sockets(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    first = await open_socket(cookie)
    second = await open_socket(cookie)
    accepted = await start(first, provider, body(model=SLOW))
    run_id = accepted["runs"][0]
    await receive_deltas(first, 1)
    await second.send_json_to({"type": "run.attach", "run": run_id, "after": -1})
    one, two = await asyncio.gather(frames_until_end(first, run_id), frames_until_end(second, run_id))
    assert [f["seq"] for f in two] == list(range(len(two)))
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert text_of(two) == run.choices[0]["content"]
    await first.disconnect()
    await second.disconnect()


async def test_it_sends_a_finished_run_as_one_snapshot(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body())
    await frames_until_end(socket, accepted["runs"][0])
    await socket.send_json_to({"type": "run.attach", "run": accepted["runs"][0]})
    snapshot = await socket.receive_json_from(timeout=10)
    assert snapshot["type"] == "run.snapshot"
    assert snapshot["status"] == "completed"
    assert snapshot["choices"][0]["html"].startswith("<p>")
    await socket.disconnect()


async def test_it_recovers_frames_the_channel_layer_dropped(fake_provider, settings, monkeypatch):
    # The socket watches through the channel layer, as a socket of another process would.
    settings.RUNS_LOCAL_DELIVERY = False
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 3}}}
    backlog_requests = []
    original_request = PlaygroundConsumer._request_backlog
    original_send = PlaygroundConsumer.send

    async def counting_request(self, run_id):
        backlog_requests.append(run_id)
        await original_request(self, run_id)

    async def slow_send(self, *args, **kwargs):
        await asyncio.sleep(0.02)  # a slow client: frames pile up past the channel's capacity
        await original_send(self, *args, **kwargs)

    monkeypatch.setattr(PlaygroundConsumer, "_request_backlog", counting_request)
    monkeypatch.setattr(PlaygroundConsumer, "send", slow_send)
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model="fake-gpt@tokens=300,delay=1"))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=30)
    assert backlog_requests, "the layer should have dropped frames for this test to mean anything"
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    sequenced = [f for f in frames if "seq" in f]
    assert [f["seq"] for f in sequenced] == list(range(len(sequenced))), "each frame once, in order"
    if frames[-1]["type"] == "run.snapshot":
        # The run ended before its backlog could get through the full channel: the stored run,
        # sent whole, takes over from the frames, so nothing is lost there either.
        assert run.choices[0]["content"].startswith(text_of(frames))
        assert frames[-1]["choices"][0]["content"] == run.choices[0]["content"]
    else:
        assert text_of(frames) == run.choices[0]["content"]
    await socket.disconnect()


async def test_it_refuses_to_attach_someone_elses_run(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    outsider = await make_member("mallory")
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model=SLOW))
    spy = await open_socket(outsider[3])
    await spy.send_json_to({"type": "run.attach", "run": accepted["runs"][0]})
    assert await spy.receive_json_from(timeout=10) == {"type": "error", "ref": None, "message": "No such session."}
    await spy.send_json_to({"type": "run.cancel", "run": accepted["runs"][0]})
    assert (await spy.receive_json_from(timeout=10))["type"] == "error"
    frames = await frames_until_end(socket, accepted["runs"][0])
    assert frames[-1]["status"] == "completed"
    assert await spy.receive_nothing(timeout=0.2)
    await socket.disconnect()
    await spy.disconnect()


@sync_to_async
def make_streaming_run(user, workspace, heartbeat_age):
    from playground.conversations.models import Conversation

    conversation = Conversation.objects.create(workspace=workspace, author=user, title="t")
    run = Run.objects.create(conversation=conversation, author=user, provider_name="Fake", model="m", request={},
                             choices=[{"index": 0, "content": "half an ans", "finish_reason": None}])
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - heartbeat_age)
    return run


async def test_it_marks_runs_of_dead_processes_interrupted_keeping_their_text():
    user, workspace, provider, cookie = await make_member("alice")
    dead = await make_streaming_run(user, workspace, timedelta(minutes=5))
    alive = await make_streaming_run(user, workspace, timedelta(seconds=1))
    assert await sync_to_async(store.sweep_interrupted)() == 1
    dead = await sync_to_async(Run.objects.get)(pk=dead.pk)
    alive = await sync_to_async(Run.objects.get)(pk=alive.pk)
    assert dead.status == "interrupted"
    assert dead.choices[0]["content"] == "half an ans"
    assert alive.status == "streaming"


async def test_its_end_is_counted_and_rendered_off_the_event_loop(fake_provider, monkeypatch):
    """Counting an answer's tokens (the first count in a process loads the vocabulary) and rendering
    it (highlighting code) take long for a long answer: the loop must keep relaying other runs."""
    from playground.runs import task as task_module

    threads = []
    real_render = task_module.render_markdown
    monkeypatch.setattr(task_module, "render_markdown", lambda text: threads.append(threading.get_ident()) or real_render(text))
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model="fake-gpt@tokens=20"))
    frames = await frames_until_end(socket, accepted["runs"][0])
    finished = frames[-1]
    assert finished["type"] == "run.finished" and finished["status"] == "completed"
    assert finished["choices"][0]["html"].startswith("<p>")
    assert finished["metrics"]["output_tokens"] > 0
    assert threads and threading.get_ident() not in threads
    await socket.disconnect()
