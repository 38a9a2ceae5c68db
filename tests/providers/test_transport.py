"""The asyncio network layer under httpx: keep-alive, a server closing idle connections, big bodies, timeouts."""

import asyncio
import contextlib
import time

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
