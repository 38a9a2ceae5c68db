"""A run streams from the fake provider over real HTTP to the socket, and is stored."""

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run
from playground.spec.validators import RESPONSE, validator

from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_streams_a_run_and_stores_it(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(seed=3))
    assert accepted["type"] == "run.accepted"
    run_id = accepted["runs"][0]
    frames = await frames_until_end(socket, run_id)
    assert [f["seq"] for f in frames] == list(range(len(frames)))
    assert frames[0]["type"] == "run.started"
    assert frames[-1]["type"] == "run.finished"
    assert frames[-1]["status"] == "completed"
    deltas = [f for f in frames if f["type"] == "run.delta"]
    assert len(deltas) > 3, "text should arrive in several frames, not at once"
    streamed = text_of(frames)

    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == "completed"
    assert run.choices[0]["content"] == streamed
    assert run.response["choices"][0]["message"]["content"] == streamed
    assert not list(validator(RESPONSE).iter_errors(run.response))
    assert run.request == body(seed=3)
    assert run.time_to_first_token is not None and run.total_time >= run.time_to_first_token
    assert len(run.chunk_times) >= len(deltas)
    assert run.chunk_times == sorted(run.chunk_times)
    await socket.disconnect()
