"""Provider faults end a run as `failed` with the provider's message and the partial text kept."""

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run

from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_retries(settings):
    settings.PROVIDER_MAX_RETRIES = 0
    settings.PROVIDER_READ_TIMEOUT = 2.0


async def failing_run(fake_provider, model):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model=model))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    await socket.disconnect()
    return frames, await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])


@pytest.mark.parametrize(
    "fault, status, kind",
    [("401", 401, "http"), ("429", 429, "http"), ("500", 500, "http")],
)
async def test_it_fails_with_the_providers_status_and_message(fake_provider, fault, status, kind):
    frames, run = await failing_run(fake_provider, f"fake-gpt@fault={fault}")
    error = frames[-1]
    assert error["type"] == "run.error"
    assert error["status"] == "failed"
    assert error["error"]["status"] == status
    assert error["error"]["kind"] == kind
    assert error["error"]["message"]
    assert error["error"]["hint"]
    assert error["error"]["request_id"].startswith("req_")
    assert run.status == "failed"
    assert run.error == error["error"]
    assert "sk-test-key" not in str(run.error)


@pytest.mark.parametrize("fault, kind", [("midstream", "stream_error"), ("drop", "connection"), ("malformed", "malformed")])
async def test_it_keeps_the_partial_text_of_a_stream_that_broke(fake_provider, fault, kind):
    frames, run = await failing_run(fake_provider, f"fake-gpt@fault={fault},after=5")
    partial = text_of(frames)
    assert partial, "some text arrived before the fault"
    assert frames[-1]["type"] == "run.error"
    assert frames[-1]["error"]["kind"] == kind
    assert run.status == "failed"
    assert run.choices[0]["content"] == partial


async def test_it_gives_up_on_a_first_token_that_never_comes(fake_provider):
    frames, run = await failing_run(fake_provider, "fake-gpt@fault=hang")
    assert frames[-1]["type"] == "run.error"
    assert frames[-1]["error"]["kind"] == "timeout"
    assert run.status == "failed"
    assert await sync_to_async(fake_provider.wait_until)(lambda: fake_provider.streams and fake_provider.streams[-1].closed_by_client_at)


async def test_it_retries_before_the_first_token_honouring_retry_after(fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 2
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model="fake-gpt@fault=429,times=1,retry_after=1"))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    retrying = [f for f in frames if f["type"] == "run.retrying"]
    assert len(retrying) == 1 and retrying[0]["delay"] >= 1
    assert frames[-1]["status"] == "completed"
    first, second = fake_provider.requests[-2:]
    assert second.received_at - first.received_at >= 1.0
    assert first.body == second.body
    await socket.disconnect()


async def test_it_never_retries_after_output_was_shown(fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 3
    frames, run = await failing_run(fake_provider, "fake-gpt@fault=midstream,after=3")
    assert run.status == "failed"
    assert len(fake_provider.requests) == 1
