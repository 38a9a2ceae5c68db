"""The asyncio network layer under httpx: keep-alive, a server closing idle connections, big bodies, timeouts."""

import asyncio
import contextlib
import time

import httpcore
import httpx
import pytest

from playground.providers.client import get_client, stream_chat
from playground.providers.config import ProviderConfig
from playground.providers.errors import ProviderError
from playground.providers.transport import AsyncioTransport, HIGH_WATER

from .helpers import chat_body, collect, text_of

class TinyServer:
    """An HTTP/1.1 server on a free local port answering every request with `answer(number)`,
    then closing the connection when `close_after` says so. Counts connections."""

    def __init__(self, answer, close_after=lambda number: False, pause: float = 0):
        self.answer, self.close_after, self.pause = answer, close_after, pause
        self.connections = 0
        self.requests = 0

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.config = ProviderConfig(name="Tiny", kind="compatible", base_url=f"http://127.0.0.1:{port}/v1")
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def _serve(self, reader, writer):
        self.connections += 1
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                self.requests += 1
                number = self.requests
                await asyncio.sleep(self.pause)
                writer.write(self.answer(number))
                await writer.drain()
                if self.close_after(number):
                    writer.close()
                    return


def sse_answer(*events: bytes) -> bytes:
    body = b"".join(events)
    return (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: %d\r\n\r\n" % len(body)) + body


def content_event(text: str, finish: str | None = None) -> bytes:
    finish_json = f'"{finish}"' if finish else "null"
    return (b'data: {"choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":%s}]}\n\n'
            % (text.encode(), finish_json.encode()))


def answer(number: int) -> bytes:
    return sse_answer(content_event(f"answer {number}"), content_event("", "stop"), b"data: [DONE]\n\n")


async def test_it_is_the_transport_of_the_shared_client():
    assert isinstance(get_client()._transport, AsyncioTransport)


async def test_it_reuses_a_kept_alive_connection():
    async with TinyServer(answer) as server:
        for number in (1, 2, 3):
            assert text_of(await collect(server.config, chat_body(stream=True))) == f"answer {number}"
    assert server.connections == 1


async def test_it_opens_a_new_connection_when_the_server_closed_the_idle_one():
    async with TinyServer(answer, close_after=lambda number: True) as server:
        assert text_of(await collect(server.config, chat_body(stream=True))) == "answer 1"
        await asyncio.sleep(0.1)  # the close reaches the client while the connection is idle
        assert text_of(await collect(server.config, chat_body(stream=True))) == "answer 2"
    assert server.connections == 2


async def test_it_reads_a_body_larger_than_its_buffer_limit():
    words = [f"w{n:07d}" for n in range(3 * HIGH_WATER // 60)]
    events = b"".join(content_event(word) for word in words)

    def big(number):
        return sse_answer(events, content_event("", "stop"), b"data: [DONE]\n\n")

    async with TinyServer(big) as server:
        assert text_of(await collect(server.config, chat_body(stream=True))) == "".join(words)


async def test_it_reports_a_server_that_stops_answering_as_a_timeout(settings):
    settings.PROVIDER_READ_TIMEOUT = 0.3
    async with TinyServer(answer, pause=5) as server:
        started = time.monotonic()
        with pytest.raises(ProviderError) as raised:
            await collect(server.config, chat_body(stream=True), max_retries=0)
    assert raised.value.kind == "timeout"
    assert time.monotonic() - started < 4


async def test_it_reports_a_connection_closed_in_the_middle_of_a_body():
    def cut(number):
        return (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 1000\r\n\r\n"
                + content_event("partial"))

    async with TinyServer(cut, close_after=lambda number: True) as server:
        events = []
        with pytest.raises(ProviderError) as raised:
            async with contextlib.aclosing(stream_chat(server.config, chat_body(stream=True), max_retries=0)) as stream:
                async for event in stream:
                    events.append(event)
    assert text_of(events) == "partial"
    assert raised.value.kind == "connection"


async def fetch_all(client: httpx.AsyncClient, url: str, count: int) -> list[bytes]:
    async def one():
        response = await client.post(url, content=b"{}")
        return response.content
    return await asyncio.gather(*(one() for _ in range(count)))


async def test_its_pool_keeps_no_more_idle_connections_than_the_keep_alive_limit():
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=3)
    async with TinyServer(answer, pause=0.2) as server, \
            httpx.AsyncClient(transport=AsyncioTransport(limits=limits)) as client:
        url = server.config.chat_url("fake-gpt")
        bodies = await fetch_all(client, url, 8)
        assert server.connections == 8  # eight at once: eight connections
        assert all(b"answer" in body for body in bodies)
        assert len(client._transport._pool.connections) <= 3
        await fetch_all(client, url, 3)
        assert server.connections == 8  # the three kept alive served the next three


async def test_its_pool_queues_requests_past_its_limit_and_serves_them_all():
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    async with TinyServer(answer, pause=0.1) as server, \
            httpx.AsyncClient(transport=AsyncioTransport(limits=limits)) as client:
        bodies = await fetch_all(client, server.config.chat_url("fake-gpt"), 7)
    assert sorted(int(body.split(b"answer ")[1].split(b'"')[0]) for body in bodies) == list(range(1, 8))
    assert server.connections == 2


async def test_its_pool_bookkeeping_grows_with_the_connections_not_their_square(monkeypatch):
    """httpcore's own pool asks every connection whether it is idle once per idle connection, each
    time a request starts or a response closes: ~n² calls with n connections kept alive."""
    calls = []
    real = httpcore.AsyncHTTPConnection.is_idle
    monkeypatch.setattr(httpcore.AsyncHTTPConnection, "is_idle", lambda self: calls.append(1) or real(self))
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with TinyServer(answer, pause=0.2) as server, \
            httpx.AsyncClient(transport=AsyncioTransport(limits=limits)) as client:
        url = server.config.chat_url("fake-gpt")
        await fetch_all(client, url, 60)
        assert len(client._transport._pool.connections) == 60
        calls.clear()
        await fetch_all(client, url, 1)
    # One request: its start and its end each look at the 60 connections a few times, not 60².
    assert 0 < len(calls) < 4 * 60
