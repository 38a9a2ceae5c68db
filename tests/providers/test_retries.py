"""Retries: rate limits and server errors are retried before the first chunk, honouring Retry-After; never after."""

import time

import pytest

from playground.providers.config import ProviderConfig
from playground.providers.errors import ProviderError
from tests.providers.conftest import API_KEY
from tests.providers.helpers import chat_body, closed_port, collect, collect_until_error, text_of


async def test_it_retries_a_rate_limit_after_the_pause_the_provider_asked_for(provider_with, fake_provider):
    retries = []

    events = await collect(provider_with(fault=429, times=1, retry_after=1), chat_body(stream=True),
                           on_retry=lambda *call: retries.append(call))

    first, second = fake_provider.requests
    assert second.received_at - first.received_at >= 0.95
    assert events[-1].kind == "done" and text_of(events)
    ((number, delay, error),) = retries
    assert (number, delay, error.status) == (1, 1.0, 429)


async def test_it_retries_a_server_error_with_backoff(provider_with, fake_provider):
    events = await collect(provider_with(fault=500, times=1), chat_body())

    assert len(fake_provider.requests) == 2
    assert events[0].kind == "completion"


async def test_it_gives_up_after_max_retries(provider_with, fake_provider):
    retries = []

    async def on_retry(number, delay, error):
        retries.append(number)

    events, error = await collect_until_error(provider_with(fault=503), chat_body(), max_retries=2, on_retry=on_retry)

    assert events == []
    assert (error.kind, error.status) == ("http", 503)
    assert len(fake_provider.requests) == 3
    assert retries == [1, 2]


async def test_it_takes_max_retries_from_settings(provider_with, fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 1

    _, error = await collect_until_error(provider_with(fault=500), chat_body())

    assert error.status == 500
    assert len(fake_provider.requests) == 2


async def test_it_does_not_retry_a_refused_key(provider_with, fake_provider):
    _, error = await collect_until_error(provider_with(fault=401), chat_body(stream=True), max_retries=3)

    assert error.status == 401
    assert len(fake_provider.requests) == 1


async def test_it_does_not_retry_once_a_chunk_was_yielded(provider_with, fake_provider):
    events, error = await collect_until_error(provider_with(fault="midstream"), chat_body(stream=True), max_retries=3)

    assert events and error.kind == "stream_error"
    assert len(fake_provider.requests) == 1


async def test_it_does_not_retry_a_dropped_stream(provider_with, fake_provider):
    events, error = await collect_until_error(provider_with(fault="drop"), chat_body(stream=True), max_retries=3)

    assert events and error.kind == "connection"
    assert len(fake_provider.requests) == 1


async def test_it_retries_a_refused_connection():
    config = ProviderConfig("Gone", "compatible", f"http://127.0.0.1:{closed_port()}/v1", API_KEY)
    retries = []

    _, error = await collect_until_error(config, chat_body(), max_retries=1,
                                         on_retry=lambda *call: retries.append(call))

    assert error.kind == "connection"
    assert [(number, error.kind) for number, _, error in retries] == [(1, "connection")]


async def test_it_raises_the_error_when_the_pause_would_pass_the_deadline(provider_with, fake_provider):
    _, error = await collect_until_error(provider_with(fault=429, retry_after=20), chat_body(),
                                         deadline=time.monotonic() + 5, max_retries=3)

    assert isinstance(error, ProviderError)
    assert (error.status, error.retry_after) == (429, 20.0)
    assert len(fake_provider.requests) == 1


async def test_it_sends_a_request_the_server_called_invalid_once_even_with_a_500(provider_with, fake_provider):
    _, error = await collect_until_error(provider_with(fault="invalid500"), chat_body(), max_retries=3)

    assert (error.status, error.retryable, error.attempts) == (500, False, 1)
    assert len(fake_provider.requests) == 1
    assert "try again" not in error.hint and "invalid" in error.hint


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_it_sends_a_refused_request_once(provider_with, fake_provider, status):
    _, error = await collect_until_error(provider_with(fault=status), chat_body(), max_retries=3)

    assert error.status == status
    assert len(fake_provider.requests) == 1


@pytest.mark.parametrize("status", [408, 409])
async def test_it_retries_a_timed_out_or_conflicting_request(provider_with, fake_provider, status):
    events = await collect(provider_with(fault=status, times=1), chat_body(), max_retries=1)

    assert events[0].kind == "completion"
    assert len(fake_provider.requests) == 2


async def test_it_stops_retrying_when_the_retry_budget_is_spent(provider_with, fake_provider, settings):
    settings.PROVIDER_RETRY_BUDGET = 0

    _, error = await collect_until_error(provider_with(fault=503), chat_body(), max_retries=5)

    assert (error.status, error.attempts) == (503, 1)
    assert len(fake_provider.requests) == 1


async def test_it_counts_the_attempts_of_a_failed_call(provider_with, fake_provider):
    _, error = await collect_until_error(provider_with(fault=503), chat_body(), max_retries=2)

    assert error.attempts == 3
