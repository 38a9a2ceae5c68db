"""Request bodies and stream readers for the fake provider's tests (real HTTP, httpx-sse)."""

import json

import httpx
from httpx_sse import connect_sse

from playground.spec.validators import STREAM_CHUNK, validator

API_KEY = "sk-fake-tests"
TIMEOUT = httpx.Timeout(5.0)


def chat_body(text: str = "Tell me about rivers", **options) -> dict:
    return {"model": "fake-gpt", "messages": [{"role": "user", "content": text}], **options}


def sse_data(client: httpx.Client, body: dict, headers: dict | None = None) -> list[str]:
    """The `data` of every event of a streamed answer, as sent."""
    stream_body = {**body, "stream": True}
    with connect_sse(client, "POST", "/chat/completions", json=stream_body, headers=headers or {}) as source:
        assert source.response.status_code == 200, source.response.read()
        return [event.data for event in source.iter_sse()]


def stream_chunks(client: httpx.Client, body: dict, headers: dict | None = None) -> list[dict]:
    """Every chunk of a streamed answer, each checked against the schema; the stream must end in [DONE]."""
    data = sse_data(client, body, headers)
    assert data[-1] == "[DONE]", data[-3:]
    chunks = [json.loads(item) for item in data[:-1]]
    for chunk in chunks:
        validator(STREAM_CHUNK).validate(chunk)
    return chunks


def streamed_text(chunks: list[dict], index: int = 0) -> str:
    return "".join(
        choice["delta"].get("content") or ""
        for chunk in chunks for choice in chunk["choices"] if choice["index"] == index)


def completion(client: httpx.Client, body: dict, headers: dict | None = None) -> dict:
    response = client.post("/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
