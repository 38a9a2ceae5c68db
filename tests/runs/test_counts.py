"""Honest counts: tokens from the server's usage when it sent one, else from the tokenizer on the
text (flagged as an estimate), never from chunks; tokens per second only for a measurable stream."""

import pytest
from asgiref.sync import sync_to_async

from playground.params.tokenizer import count_tokens
from playground.runs.models import Run
from playground.runs.store import snapshot_frame

from .helpers import body, frames_until_end, make_member, open_socket, start

pytestmark = pytest.mark.django_db(transaction=True)


async def finished_run(fake_provider, request_body):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, request_body)
    frames = await frames_until_end(socket, accepted["runs"][0])
    await socket.disconnect()
    return frames[-1], await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])


async def test_it_counts_tokens_from_usage_when_the_server_sends_it(fake_provider):
    final, run = await finished_run(fake_provider, body(model="fake-gpt@tokens=12", stream_options={"include_usage": True}))

    assert final["metrics"]["output_tokens"] == 12 == run.output_tokens
    assert final["metrics"]["output_tokens_estimated"] is False


async def test_it_counts_tokens_of_the_text_without_usage_never_the_chunks(fake_provider):
    # 12 content tokens arrive in 14 chunks (the role chunk and the finish chunk too).
    final, run = await finished_run(fake_provider, body(model="fake-gpt@tokens=12,ignore=usage"))

    expected = count_tokens(run.choices[0]["content"], "fake-gpt@tokens=12,ignore=usage")
    assert len(run.chunk_times) == 14
    assert final["metrics"]["output_tokens"] == expected == run.output_tokens
    assert final["metrics"]["output_tokens_estimated"] is True
    assert final["metrics"]["tokens_per_second"] is not None


async def test_it_gives_no_rate_for_a_whole_answer(fake_provider):
    final, run = await finished_run(fake_provider, body(model="fake-gpt@tokens=12", stream=False))

    assert final["metrics"]["output_tokens"] == 12
    assert final["metrics"]["tokens_per_second"] is None
    assert run.tokens_per_second is None


async def test_it_flags_a_stored_runs_estimate_in_its_snapshot(fake_provider):
    _, run = await finished_run(fake_provider, body(model="fake-gpt@tokens=5,ignore=usage"))

    snapshot = await sync_to_async(lambda: snapshot_frame(Run.objects.select_related("conversation__workspace").get(pk=run.pk)))()

    assert snapshot["metrics"]["output_tokens_estimated"] is True
