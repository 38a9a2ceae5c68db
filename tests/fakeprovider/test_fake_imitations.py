"""Knobs that make the fake provider act like the real servers measured in docs/COMPATIBILITY.md:
options ignored, options refused (with 400 or with a validation 500), usage left out."""

import json

import httpx
import pytest

from playground.spec.validators import RESPONSE, STREAM_CHUNK, validator

BODY = {"model": "fake-gpt", "messages": [{"role": "user", "content": "Tell me about rivers"}]}


def post(fake_provider, body: dict, **knobs) -> httpx.Response:
    headers = {"Authorization": "Bearer sk-test", **{f"X-Fake-{k.replace('_', '-')}": v for k, v in knobs.items()}}
    return httpx.post(f"{fake_provider.base_url}/chat/completions", json=body, headers=headers, timeout=10)


def sse_chunks(response: httpx.Response) -> list[dict]:

    return [json.loads(line[6:]) for line in response.text.splitlines()
            if line.startswith("data: ") and line != "data: [DONE]"]


def test_it_ignores_the_options_it_is_told_to(fake_provider):
    limited = post(fake_provider, {**BODY, "max_completion_tokens": 3, "n": 2}, ignore="max_completion_tokens+n").json()

    validator(RESPONSE).validate(limited)
    assert len(limited["choices"]) == 1
    assert limited["usage"]["completion_tokens"] == 40
    assert limited["choices"][0]["finish_reason"] == "stop"


def test_it_leaves_out_usage_when_told_to(fake_provider):
    whole = post(fake_provider, BODY, ignore="usage").json()
    stream = post(fake_provider, {**BODY, "stream": True, "stream_options": {"include_usage": True}}, ignore="usage")

    validator(RESPONSE).validate(whole)
    assert "usage" not in whole
    chunks = sse_chunks(stream)
    for chunk in chunks:
        validator(STREAM_CHUNK).validate(chunk)
    assert not any(chunk.get("usage") for chunk in chunks)


@pytest.mark.parametrize(("body", "name"), [
    ({**BODY, "seed": 3}, "seed"),
    ({**BODY, "messages": [{"role": "developer", "content": "Be brief."}, *BODY["messages"]]}, "developer"),
    ({**BODY, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}},
     "json_schema"),
])
def test_it_refuses_what_it_is_told_to_with_a_400(fake_provider, body, name):
    response = post(fake_provider, body, reject=f"{name}+image_url")

    assert response.status_code == 400
    assert response.json()["error"]["param"] == name
    assert post(fake_provider, BODY, reject=name).status_code == 200


def test_it_refuses_with_a_validation_500_like_llama_cpp_python(fake_provider):
    response = post(fake_provider, {**BODY, "seed": 3}, reject="seed", reject_status="500")

    assert response.status_code == 500
    assert "Input should be" in response.json()["error"]["message"]


def test_it_refuses_a_malformed_reject_status(fake_provider):
    response = post(fake_provider, BODY, reject="seed", reject_status="418")

    assert response.status_code == 400
    assert "reject_status" in response.json()["error"]["message"]
