"""The playground's requests against llama.cpp's OpenAI-compatible server with Gemma 3 270M.

Each test records one row of docs/COMPATIBILITY.md: what the server does with an option.
"""

import pytest
from django.test import override_settings

from playground.providers.local import LOCAL_PROVIDER_NAME
from playground.ops.localmodel import MODEL_ALIAS
from playground.providers.client import close_client, stream_chat
from playground.providers.config import ProviderConfig
from playground.providers.errors import ProviderError
from playground.spec.validators import STREAM_CHUNK, validator

pytestmark = pytest.mark.local_model

PROMPT = [{"role": "user", "content": "Tell me a story about a cat."}]


@pytest.fixture
async def ask(local_model_url):
    config = ProviderConfig(name=LOCAL_PROVIDER_NAME, kind="compatible", base_url=local_model_url)

    async def ask(**options) -> list[dict]:
        body = {"model": MODEL_ALIAS, "messages": options.pop("messages", PROMPT), **options}
        return [event.data async for event in stream_chat(config, body, max_retries=0) if event.data is not None]

    yield ask
    await close_client()


def content(chunks: list[dict]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))


def finish_reason(chunks: list[dict]) -> str | None:
    reasons = [c["choices"][0]["finish_reason"] for c in chunks if c.get("choices") and c["choices"][0]["finish_reason"]]
    return reasons[-1] if reasons else None


async def test_it_streams_schema_valid_chunks(ask):
    chunks = await ask(stream=True, max_tokens=8)
    assert len(chunks) > 2 and content(chunks)
    for chunk in chunks:
        validator(STREAM_CHUNK).validate(chunk)
    assert finish_reason(chunks) == "length"


async def test_it_answers_logprobs_with_top_logprobs_per_token(ask):
    chunks = await ask(stream=True, max_tokens=6, logprobs=True, top_logprobs=3)
    tokens = [token for c in chunks if c.get("choices") and c["choices"][0].get("logprobs")
              for token in c["choices"][0]["logprobs"]["content"]]
    assert "".join(t["token"] for t in tokens) == content(chunks)
    # llama.cpp lists the top 3 plus the sampled token when that one is not among them.
    assert all(t["logprob"] <= 0 and 3 <= len(t["top_logprobs"]) <= 4 for t in tokens)


async def test_it_repeats_a_sample_with_the_same_seed(ask):
    first = await ask(stream=True, max_tokens=20, temperature=1.2, seed=5)
    again = await ask(stream=True, max_tokens=20, temperature=1.2, seed=5)
    other = await ask(stream=True, max_tokens=20, temperature=1.2, seed=6)
    assert content(first) == content(again)
    assert content(first) != content(other)


async def test_it_stops_at_a_stop_sequence_without_sending_it(ask):
    chunks = await ask(stream=True, max_tokens=40, temperature=0, stop=[","],
                       messages=[{"role": "user", "content": "Count: one, two, three, four"}])
    assert finish_reason(chunks) == "stop"
    assert "," not in content(chunks)


async def test_it_honours_max_tokens_but_ignores_max_completion_tokens(ask):
    limited = await ask(stream=False, max_tokens=5)
    assert limited[0]["usage"]["completion_tokens"] == 5 and limited[0]["choices"][0]["finish_reason"] == "length"
    ignored = await ask(stream=False, max_tokens=12, max_completion_tokens=3)
    assert ignored[0]["usage"]["completion_tokens"] == 12


async def test_it_ignores_n_and_the_usage_chunk(ask):
    several = await ask(stream=False, max_tokens=4, n=2)
    assert len(several[0]["choices"]) == 1
    chunks = await ask(stream=True, max_tokens=4, stream_options={"include_usage": True})
    assert not any(c.get("usage") for c in chunks)


async def test_it_rejects_the_developer_role_in_its_own_words(ask):
    with pytest.raises(ProviderError) as failure:
        await ask(stream=True, max_tokens=4, messages=[{"role": "developer", "content": "Be brief."}, *PROMPT])
    assert failure.value.status == 500
    assert "Input should be 'system'" in failure.value.message


@override_settings(PROVIDER_MAX_RETRIES=0)
@pytest.mark.django_db(transaction=True)
async def test_it_shows_the_user_the_servers_message_in_a_run(local_model_url):
    from types import SimpleNamespace

    from tests.runs.helpers import body, frames_until_end, make_member, open_socket, start

    user, workspace, provider, cookie = await make_member("alice", SimpleNamespace(base_url=local_model_url))
    socket = await open_socket(cookie)
    developer_first = [{"role": "developer", "content": "Be brief."}, *PROMPT]
    accepted = await start(socket, provider, body(model=MODEL_ALIAS, messages=developer_first))
    frames = await frames_until_end(socket, accepted["runs"][0], timeout=60)
    await socket.disconnect()
    assert frames[-1]["type"] == "run.error"
    assert frames[-1]["error"]["status"] == 500 and "Input should be 'system'" in frames[-1]["error"]["message"]
