"""Injected faults: error statuses, broken streams, hangs, retries that succeed, split UTF-8."""

import json

import httpx
import pytest

from playground.spec.validators import ERROR, validator
from tests.fakeprovider.helpers import chat_body, sse_data, stream_chunks, streamed_text


def test_it_fails_with_the_status_a_fault_asks_for(api):
    unauthorized = api.post("/chat/completions", json=chat_body(), headers={"X-Fake-Fault": "401"})
    server_error = api.post("/chat/completions", json=chat_body(model="fake-gpt@fault=500"))

    assert unauthorized.status_code == 401
    assert server_error.status_code == 500
    assert server_error.json()["error"]["type"] == "server_error"
    validator(ERROR).validate(server_error.json())


def test_it_rate_limits_with_retry_after(api):
    response = api.post("/chat/completions", json=chat_body(stream=True),
                        headers={"X-Fake-Fault": "429", "X-Fake-Retry-After": "3"})

    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"


def test_it_fails_only_the_first_n_attempts_of_a_key(api):
    headers = {"X-Fake-Fault": "429", "X-Fake-Times": "2", "X-Fake-Key": "retry-test"}
    statuses = [api.post("/chat/completions", json=chat_body(), headers=headers).status_code for _ in range(3)]
    other_key = api.post("/chat/completions", json=chat_body(), headers={**headers, "X-Fake-Key": "other"})

    assert statuses == [429, 429, 200]
    assert other_key.status_code == 429


def test_it_counts_attempts_by_model_name_without_a_key(api):
    body = chat_body(model="fake-gpt@fault=500,times=1")

    assert [api.post("/chat/completions", json=body).status_code for _ in range(2)] == [500, 200]


def test_it_sends_an_error_event_in_the_middle_of_a_stream(api, fake_provider):
    data = sse_data(api, chat_body(), headers={"X-Fake-Fault": "midstream", "X-Fake-After": "2"})

    chunks, error = [json.loads(item) for item in data[:-1]], json.loads(data[-1])
    assert streamed_text(chunks)
    validator(ERROR).validate(error)
    assert "[DONE]" not in data
    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].outcome == "fault:midstream")


def test_it_sends_a_malformed_event_after_some_tokens(api):
    data = sse_data(api, chat_body(), headers={"X-Fake-Fault": "malformed"})

    assert streamed_text([json.loads(item) for item in data[:-1]])
    assert data[-1] == "{not json"


def test_it_drops_the_connection_in_the_middle_of_a_stream(api, fake_provider):
    received = []
    with pytest.raises(httpx.RemoteProtocolError):
        with api.stream("POST", "/chat/completions", json=chat_body(stream=True),
                        headers={"X-Fake-Fault": "drop"}) as response:
            for line in response.iter_lines():
                received.append(line)

    assert any(line.startswith("data: {") for line in received)
    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].outcome == "fault:drop")


def test_it_notices_a_client_that_hangs_up_on_a_hanging_stream(api, fake_provider):
    with api.stream("POST", "/chat/completions", json=chat_body(stream=True),
                    headers={"X-Fake-Fault": "hang"}) as response:
        assert response.status_code == 200
        assert fake_provider.wait_until(lambda: fake_provider.stats["open_streams"] == 1)
    # Leaving the block closes the unfinished response, and with it the connection.

    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].closed_by_client_at is not None)
    assert fake_provider.streams[-1].outcome == "client_closed"
    assert fake_provider.stats["open_streams"] == 0


def test_it_hangs_a_non_streamed_answer_until_the_client_gives_up(fake_provider, api):
    with pytest.raises(httpx.ReadTimeout):
        api.post("/chat/completions", json=chat_body(), headers={"X-Fake-Fault": "hang"}, timeout=0.3)


def test_it_splits_events_inside_a_multibyte_character(api):
    body = chat_body(seed=11, stream=True)
    whole = {"X-Fake-Tokens": "30", "X-Fake-Delay": "0"}
    split = {**whole, "X-Fake-Split": "1"}
    with api.stream("POST", "/chat/completions", json=body, headers=split) as response:
        pieces = list(response.iter_raw())

    assert any(_cuts_a_character(piece) for piece in pieces)
    assert any(ord(character) > 127 for character in b"".join(pieces).decode())
    assert streamed_text(stream_chunks(api, body, split)) == streamed_text(stream_chunks(api, body, whole))


def _cuts_a_character(piece: bytes) -> bool:
    try:
        piece.decode()
    except UnicodeDecodeError:
        return True
    return False


def test_it_records_when_a_client_cancels_a_stream_midway(api, fake_provider):
    slow = {"X-Fake-Delay": "50", "X-Fake-Tokens": "100"}
    with api.stream("POST", "/chat/completions", json=chat_body(stream=True), headers=slow) as response:
        lines = response.iter_lines()
        first_events = [next(lines) for _ in range(4)]

    assert first_events[0].startswith("data: {")
    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].outcome == "client_closed")
    assert fake_provider.streams[-1].closed_by_client_at is not None
