"""stream_chat over real HTTP: chunks then done, whole answers, exact bytes, headers, Azure, split UTF-8."""

import json

from playground.providers.client import encode_body
from playground.providers.config import ProviderConfig
from playground.spec.validators import RESPONSE, STREAM_CHUNK, validator
from tests.providers.conftest import API_KEY
from tests.providers.helpers import chat_body, collect, text_of


async def test_it_yields_each_chunk_then_done(provider):
    events = await collect(provider, chat_body(stream=True, stream_options={"include_usage": True}))

    *chunks, done = events
    assert {event.kind for event in chunks} == {"chunk"}
    assert done.kind == "done" and done.done_marker and done.data is None
    for event in chunks:
        validator(STREAM_CHUNK).validate(event.data)
    assert text_of(events)
    assert chunks[-1].data["usage"]["total_tokens"] > 0
    arrivals = [event.received_at for event in events]
    assert arrivals == sorted(arrivals)


async def test_it_yields_one_whole_answer_without_streaming(provider):
    events = await collect(provider, chat_body())

    (answer,) = events
    assert answer.kind == "completion"
    validator(RESPONSE).validate(answer.data)
    assert answer.data["choices"][0]["message"]["content"]


async def test_it_sends_the_body_as_compact_utf8_json_byte_for_byte(provider, fake_provider):
    body = chat_body("Déjà vu — 東京 🚀", stream=True, temperature=0.5, metadata={"ticket": "ÅÄÖ"})

    await collect(provider, body)
    # The same body with its keys in another order, as PostgreSQL's JSONB gives a stored one back.
    await collect(provider, dict(reversed(list(json.loads(json.dumps(body)).items()))))

    expected = json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()
    assert encode_body(body) == expected
    assert [request.body for request in fake_provider.requests] == [expected, expected]


async def test_it_sends_the_key_and_extra_headers(fake_provider):
    config = ProviderConfig("Fake", "compatible", fake_provider.base_url + "/", API_KEY,
                            extra_headers={"X-Team": "blue"})

    await collect(config, chat_body(stream=True))

    (request,) = fake_provider.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["x-team"] == "blue"
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["content-type"] == "application/json"


async def test_it_calls_an_azure_deployment_with_an_api_key_header(fake_provider):
    config = ProviderConfig("Azure", "azure", fake_provider.origin, API_KEY, api_version="2024-10-21")

    events = await collect(config, chat_body(model="my-gpt", stream=True))

    (request,) = fake_provider.requests
    assert request.path == "/openai/deployments/my-gpt/chat/completions"
    assert request.query == "api-version=2024-10-21"
    assert request.headers["api-key"] == API_KEY
    assert "authorization" not in request.headers
    assert events[-1].kind == "done" and text_of(events)


async def test_it_uses_the_deployment_named_in_an_azure_url(fake_provider):
    deployment_url = f"{fake_provider.origin}/openai/deployments/dep-one?api-version=2024-06-01"
    config = ProviderConfig("Azure", "azure", deployment_url, API_KEY)

    events = await collect(config, chat_body())

    (request,) = fake_provider.requests
    assert request.path == "/openai/deployments/dep-one/chat/completions"
    assert request.query == "api-version=2024-06-01"
    assert events[0].kind == "completion"


async def test_it_keeps_multibyte_characters_whole_when_the_network_splits_them(provider_with, fake_provider):
    body = chat_body(seed=11, stream=True)

    split = await collect(provider_with(tokens=30, delay=0, split=1), body)
    whole = await collect(provider_with(tokens=30, delay=0), body)

    assert fake_provider.requests[0].headers["x-fake-split"] == "1"
    assert text_of(split) == text_of(whole)
    assert any(ord(character) > 127 for character in text_of(split))
    assert "\ufffd" not in text_of(split)
