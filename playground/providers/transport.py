"""The network layer under httpx: httpcore's connections on asyncio's own transports and protocols.

httpx still does the HTTP (httpcore's pool, keep-alive, TLS, timeouts and errors); only the socket
reads and writes under it change. httpcore's default backend on asyncio goes through anyio, which
per read sets up a cancel scope with its own timer, maps exceptions in a generator context manager
and pauses and resumes the socket's reading: profiling the relay showed that as most of the CPU of
reading a provider stream (one small read per SSE event). Here a read returns data the protocol
already holds, or waits on one future with one timer.

The protocol keeps reading while a connection is idle in the pool (up to HIGH_WATER bytes), so a
server closing an idle keep-alive connection is known from state, without a poll() call.
"""

import asyncio
import collections
import socket
import ssl
import typing

import httpcore
import httpx

# Reading pauses past this many unread bytes and resumes below LOW_WATER.
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024


class _Protocol(asyncio.Protocol):
    """Bytes received and not yet read, end of stream, and the waiters of one connection."""

    def __init__(self):
        self.transport: asyncio.Transport | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.reader: asyncio.Future | None = None
        self.drainer: asyncio.Future | None = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > HIGH_WATER and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.reader)

    def eof_received(self):
        self.eof = True
        _wake(self.reader)
        return False  # close the transport: HTTP/1.1 has no use for a half-closed connection

    def connection_lost(self, exc):
        self.eof = True
        self.error = exc
        _wake(self.reader)
        _wake(self.drainer)

    def pause_writing(self):
        self.writing_paused = True

    def resume_writing(self):
        self.writing_paused = False
        _wake(self.drainer)


def _wake(waiter: asyncio.Future | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future, error: Exception) -> None:
    if not waiter.done():
        waiter.set_exception(error)


async def _wait(protocol: _Protocol, attribute: str, timeout: float | None, error: type[Exception]) -> None:
    """Wait for the protocol to wake `attribute`'s future, raising `error` after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    setattr(protocol, attribute, waiter)
    timer = loop.call_later(timeout, _expire, waiter, error()) if timeout is not None else None
    try:
        await waiter
    finally:
        setattr(protocol, attribute, None)
        if timer is not None:
            timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, protocol: _Protocol):
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.chunks:
            if protocol.eof:
                return self._ended()
            await _wait(protocol, "reader", timeout, httpcore.ReadTimeout)
            if not protocol.chunks:
                return self._ended()
        data = protocol.chunks.popleft()
        if len(data) > max_bytes:
            protocol.chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        protocol.buffered -= len(data)
        if protocol.reading_paused and protocol.buffered < LOW_WATER:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return data

    def _ended(self) -> bytes:
        error = self._protocol.error
        if error is not None:
            raise httpcore.ReadError(str(error) or type(error).__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("The connection is closed.")
        self._transport.write(buffer)
        if self._protocol.writing_paused:
            await _wait(self._protocol, "drainer", timeout, httpcore.WriteTimeout)
            if self._protocol.error is not None:
                raise httpcore.WriteError(str(self._protocol.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._protocol, ssl_context,
                                                 server_hostname=server_hostname)
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("The TLS handshake took too long.") from None
        except (OSError, ssl.SSLError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from error
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":
            return bool(self._protocol.chunks) or self._protocol.eof
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: typing.Iterable[tuple] | None = None) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        return await self._connect(timeout, socket_options, lambda loop: loop.create_connection(
            _Protocol, host, port, local_addr=local))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[tuple] | None = None) -> httpcore.AsyncNetworkStream:
        return await self._connect(timeout, socket_options, lambda loop: loop.create_unix_connection(_Protocol, path))

    async def _connect(self, timeout, socket_options, opening) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await opening(asyncio.get_running_loop())
        except TimeoutError:
            raise httpcore.ConnectTimeout("Connecting took too long.") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        sock: socket.socket | None = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ConnectionPool(httpcore.AsyncConnectionPool):
    """httpcore's pool, its bookkeeping linear in the number of connections.

    httpcore 1.0's `_assign_requests_to_connections` (run whenever a request starts or a response
    closes) counts every connection of the pool once per idle connection, and lists the available
    and the idle connections once per queued request: with a hundred streams ending and a few
    hundred kept-alive connections that is tens of thousands of calls per response closed, a
    large share of the relay's CPU in the read-side profile. The same decisions, in one pass."""

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing = []
        connections = self._connections
        # Closed connections leave; expired ones and idle ones past the keep-alive limit close.
        # (httpcore compares the number of all connections left, not of idle ones, with that limit.)
        kept = []
        remaining = len(connections)
        for connection in connections:
            if connection.is_closed():
                remaining -= 1
            elif connection.has_expired() or (connection.is_idle() and remaining > self._max_keepalive_connections):
                remaining -= 1
                closing.append(connection)
            else:
                kept.append(connection)
        connections[:] = kept
        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            origin = pool_request.request.url.origin
            connection = next((c for c in connections if c.can_handle_request(origin) and c.is_available()), None)
            if connection is None:
                if len(connections) >= self._max_connections:
                    idle = next((c for c in connections if c.is_idle()), None)
                    if idle is None:
                        continue  # it waits for a connection to free up
                    connections.remove(idle)
                    closing.append(idle)
                connection = self.create_connection(origin)
                connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, its connection pool on AsyncioBackend (proxies keep httpx's default)."""

    def __init__(self, *, limits: httpx.Limits):
        super().__init__(limits=limits)
        # httpx builds its pool in __init__ without a way to pass a network backend: build the
        # same pool again with ours (what AsyncHTTPTransport does for a direct connection).
        self._pool = ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )
