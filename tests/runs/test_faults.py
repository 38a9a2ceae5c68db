"""Provider faults end a run as `failed` with the provider's message and the partial text kept; a provider
that recovers before the first token gives the whole answer, once."""

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run

from tests.factories import make_credential
from tests.live import free_port

from .faults import provider_sent
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
    model = f"fake-gpt@fault={fault},after=5"
    frames, run = await failing_run(fake_provider, model)
    partial = text_of(frames)
    assert partial, "some text arrived before the fault"
    assert provider_sent(body(model=model)).startswith(partial), "what the provider sent before the fault, once"
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


async def test_it_recovers_from_a_server_error_before_the_first_token_and_stores_the_answer_once(fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 2
    request_body = body(model="fake-gpt@fault=500,times=1,tokens=60")
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, request_body)
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    await socket.disconnect()
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert [f["type"] for f in frames].count("run.retrying") == 1 and run.status == "completed"
    assert len(fake_provider.requests) == 2
    assert text_of(frames) == run.choices[0]["content"] == provider_sent(request_body)


async def test_it_fails_cleanly_when_the_provider_is_down(settings):
    settings.PROVIDER_MAX_RETRIES = 1
    user, workspace, _, cookie = await make_member("alice")
    nobody_listens = f"http://127.0.0.1:{free_port()}/v1"
    provider = await sync_to_async(make_credential)(workspace, name="Down", base_url=nobody_listens, headers={})
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body())
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=20)
    await socket.disconnect()
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert frames[-1]["type"] == "run.error" and frames[-1]["error"]["kind"] == "connection"
    assert run.status == "failed" and run.error["kind"] == "connection" and text_of(frames) == ""
