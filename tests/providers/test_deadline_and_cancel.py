"""A call stops at its deadline, and a consumer that stops listening closes the upstream response at once."""

import asyncio
import contextlib
import time

from playground.providers.client import stream_chat
from tests.providers.helpers import WAIT, chat_body, collect_until_error, eventually


async def test_it_stops_a_dripping_stream_at_the_deadline(provider_with, fake_provider):
    # One token a second: the read timeout never fires, only the deadline can end this.
    events, error = await collect_until_error(provider_with(delay=1000, tokens=40), chat_body(stream=True),
                                              deadline=time.monotonic() + 1.5)

    assert error.kind == "deadline"
    assert events and all(event.kind == "chunk" for event in events)
    assert await eventually(lambda: fake_provider.streams[-1].closed_by_client_at is not None)


async def test_it_stops_waiting_for_a_silent_provider_at_the_deadline(provider_with, fake_provider):
    events, error = await collect_until_error(provider_with(fault="hang"), chat_body(stream=True),
                                              deadline=time.monotonic() + 0.5, max_retries=3)

    assert (events, error.kind, error.retryable) == ([], "deadline", False)
    assert len(fake_provider.requests) == 1


async def test_it_fails_at_once_when_the_deadline_has_passed(provider):
    _, error = await collect_until_error(provider, chat_body(), deadline=time.monotonic() - 1)

    assert error.kind == "deadline"


async def test_it_closes_the_upstream_stream_when_the_consumer_is_cancelled(provider_with, fake_provider):
    received = asyncio.Event()

    async def consume():
        async for _ in stream_chat(provider_with(delay=300), chat_body(stream=True), deadline=time.monotonic() + WAIT):
            received.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(received.wait(), WAIT)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    assert task.cancelled()
    assert await eventually(lambda: fake_provider.streams[-1].closed_by_client_at is not None)
    assert fake_provider.streams[-1].outcome == "client_closed"


async def test_it_closes_the_upstream_stream_when_the_consumer_stops_early(provider_with, fake_provider):
    async with contextlib.aclosing(stream_chat(provider_with(delay=300), chat_body(stream=True))) as events:
        async for event in events:
            assert event.kind == "chunk"
            break

    assert await eventually(lambda: fake_provider.streams[-1].closed_by_client_at is not None)
    assert fake_provider.stats["open_streams"] == 0
