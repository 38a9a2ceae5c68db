"""A small HTTP/1.1 server layer over asyncio streams and h11: read requests, answer, notice hang-ups.

While a request is being answered the connection is also read, so a client that goes away is
noticed at once (even while the answer waits) and the answer is cancelled.
"""

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import h11

logger = logging.getLogger(__name__)

READ_SIZE = 65536
MAX_BODY_BYTES = 8 * 1024 * 1024
# The pause between the two halves of a split event, so they travel in separate packets.
SPLIT_PAUSE = 0.005
_MULTIBYTE_LEAD = re.compile(rb"[\xc0-\xff]")


@dataclass(frozen=True)
class Request:
    request_id: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_at: float


class Exchange:
    """One request and the means to answer it, as JSON or as server-sent events."""

    def __init__(self, conn: h11.Connection, writer: asyncio.StreamWriter, request: Request):
        self.conn = conn
        self.writer = writer
        self.request = request
        self.client_gone = False
        self.closing = False

    def _send(self, event) -> None:
        self.writer.write(self.conn.send(event))

    def _headers(self, content_type: str, extra=()) -> list[tuple[str, str]]:
        return [("content-type", content_type), ("x-request-id", self.request.request_id), *extra]

    async def send_body(self, status: int, content_type: str, data: bytes, headers=()) -> None:
        self._send(h11.Response(status_code=status, headers=self._headers(
            content_type, [("content-length", str(len(data))), *headers])))
        self._send(h11.Data(data=data))
        self._send(h11.EndOfMessage())
        await self.writer.drain()

    async def send_json(self, status: int, payload, headers=()) -> None:
        await self.send_body(status, "application/json", json.dumps(payload, ensure_ascii=False).encode(), headers)

    async def start_events(self) -> None:
        headers = self._headers("text/event-stream; charset=utf-8", [("cache-control", "no-cache")])
        self._send(h11.Response(status_code=200, headers=headers))
        await self.writer.drain()

    async def send_events(self, events: list[bytes], split: bool = False) -> None:
        """Write events at once, or each in two writes cut inside a multibyte character."""
        if not split:
            self._send(h11.Data(data=b"".join(events)))
        for event in events if split else ():
            cut = split_point(event)
            self._send(h11.Data(data=event[:cut]))
            await self.writer.drain()
            await asyncio.sleep(SPLIT_PAUSE)
            self._send(h11.Data(data=event[cut:]))
        await self.writer.drain()

    async def end_events(self) -> None:
        self._send(h11.EndOfMessage())
        await self.writer.drain()

    def hang_up(self) -> None:
        """Close the connection where the answer stands, e.g. in the middle of a chunked body."""
        self.closing = True
        self.writer.close()

    def reusable(self) -> bool:
        done = self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE
        return done and not (self.client_gone or self.closing)


def split_point(event: bytes) -> int:
    """Just after the lead byte of the first multibyte character, else the middle."""
    lead = _MULTIBYTE_LEAD.search(event)
    return lead.start() + 1 if lead else len(event) // 2


Handler = Callable[[Exchange], Awaitable[None]]


async def serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handle: Handler) -> None:
    """Answer requests on one connection until either side closes it."""
    conn = h11.Connection(h11.SERVER)
    try:
        while True:
            request = await _read_request(conn, reader)
            if request is None:
                return
            exchange = Exchange(conn, writer, request)
            await _answer_watching_hang_up(exchange, reader, handle)
            if not exchange.reusable():
                return
            conn.start_next_cycle()
    except h11.RemoteProtocolError as error:
        await _refuse(conn, writer, error.error_status_hint, str(error))
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
    head, chunks, size = None, [], 0
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(READ_SIZE))
        elif isinstance(event, h11.Request):
            head = event
        elif isinstance(event, h11.Data):
            size += len(event.data)
            if size > MAX_BODY_BYTES:
                raise h11.RemoteProtocolError("request body too large", error_status_hint=413)
            chunks.append(event.data)
        elif isinstance(event, h11.EndOfMessage):
            return _request_from(head, b"".join(chunks))
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _request_from(head: h11.Request, body: bytes) -> Request:
    headers: dict[str, str] = {}
    for name, value in head.headers:
        key = name.decode("latin-1")
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    path, _, query = head.target.decode("latin-1").partition("?")
    return Request(new_request_id(), head.method.decode(), path, query, headers, body, time.time())


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


async def _answer_watching_hang_up(exchange: Exchange, reader: asyncio.StreamReader, handle: Handler) -> None:
    answer = asyncio.create_task(handle(exchange))
    watch = asyncio.create_task(_wait_for_hang_up(exchange.conn, reader))
    try:
        await asyncio.wait({answer, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not answer.done():
            exchange.client_gone = watch.done()
            answer.cancel()
        watch.cancel()
        await asyncio.gather(answer, watch, return_exceptions=True)
    if not answer.cancelled() and answer.exception() is not None:
        exchange.closing = True
        if not isinstance(answer.exception(), ConnectionError):
            logger.error("fake provider failed to answer %s", exchange.request.path, exc_info=answer.exception())


async def _wait_for_hang_up(conn: h11.Connection, reader: asyncio.StreamReader) -> None:
    """Returns when the client closes; bytes it sends meanwhile (a next request) go to h11."""
    while data := await reader.read(READ_SIZE):
        conn.receive_data(data)


async def _refuse(conn: h11.Connection, writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    if conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
        return
    data = json.dumps({"error": {"message": f"Bad HTTP request: {reason}", "type": "invalid_request_error",
                                 "param": None, "code": None}}).encode()
    headers = [("content-type", "application/json"), ("content-length", str(len(data))), ("connection", "close"),
               ("x-request-id", new_request_id())]
    with contextlib.suppress(ConnectionError):
        writer.write(conn.send(h11.Response(status_code=status, headers=headers)) + conn.send(h11.Data(data=data)))
        await writer.drain()
