"""Calls to providers: one pooled httpx client per event loop, chat streams with retries and a deadline.

`stream_chat` yields ProviderEvents (chunks as they arrive, then "done"; or one "completion" for a
non-streamed call). Consume it inside `contextlib.aclosing(...)` so that leaving the loop early
closes the upstream response at once; cancelling the consuming task closes it too.

Retries happen only where repetition can help (errors.py decides: rate limits, server failures,
connection failures and timeouts; never a request the server called invalid, never an answer a
proxy already retried upstream), only before the first event was yielded (after that a retry
would duplicate text the caller already has), and only within PROVIDER_RETRY_BUDGET seconds from
the first attempt: attempts behind a slow or self-retrying proxy cannot multiply without bound. A stream that
ends cleanly without `data: [DONE]` is accepted when every choice it started has a finish_reason
(some compatible servers omit the marker); otherwise it is a "connection" error. A retry pause
that would end past the deadline is not taken: the error that asked for it is raised instead.
"""

import asyncio
import contextlib
import inspect
import json
import random
import time
import urllib.request
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from django.conf import settings

from .config import ProviderConfig
from .errors import ProviderError
from .responses import (
    DONE_MARKER, ProviderEvent, StreamProgress, cut_stream_error, deadline_error, is_event_stream, model_ids,
    parse_chunk, parse_whole_answer, read_error_body, status_error, transport_error,
)
from .sse import EventReader
from .transport import AsyncioTransport

__all__ = ["ProviderEvent", "close_client", "encode_body", "get_client", "list_models", "stream_chat"]

# Sized for hundreds of simultaneous streams (side-by-side runs of a whole team) from one process.
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=200, keepalive_expiry=30.0)
# A provider asking for a longer pause than this gets this; the run's deadline still applies.
MAX_RETRY_AFTER = 30.0
BACKOFF_BASE = 0.5
BACKOFF_MAX = 8.0
# After [DONE] the body normally ends at once; reading that end lets the connection be reused.
DRAIN_AFTER_DONE = 1.0

OnRetry = Callable[[int, float, ProviderError], Awaitable[None] | None]

# httpx connections belong to the loop that opened them, and tests and Daphne run different loops.
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = weakref.WeakKeyDictionary()


def get_client() -> httpx.AsyncClient:
    """The shared client of the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = _clients[loop] = _new_client()
    return client


def _new_client() -> httpx.AsyncClient:
    if urllib.request.getproxies():
        # Behind a proxy from the environment, httpx's own transports as it mounts them.
        return httpx.AsyncClient(timeout=_timeout(), limits=LIMITS)
    return httpx.AsyncClient(timeout=_timeout(), limits=LIMITS, transport=AsyncioTransport(limits=LIMITS))


async def close_client() -> None:
    """Close the running loop's client (at shutdown, and after each test)."""
    client = _clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()


def encode_body(body: dict) -> bytes:
    """The exact bytes sent for a body: the same stored body always re-sends byte for byte.

    Keys are sorted because PostgreSQL's JSONB does not keep key order: the stored request, encoded
    again, must give the bytes that were sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


async def stream_chat(config: ProviderConfig, body: dict, *, deadline: float | None = None,
                      max_retries: int | None = None, on_retry: OnRetry | None = None) -> AsyncIterator[ProviderEvent]:
    """POST a chat completion body and yield what arrives; see the module docstring.

    `deadline` is an absolute time.monotonic() value bounding the whole call, retries included.
    `max_retries` defaults to settings.PROVIDER_MAX_RETRIES. `on_retry(retry_number, delay, error)`
    (plain or async) is told before each pause, e.g. to show "retrying in 2 s". A raised error's
    `attempts` says how many times the request was sent.
    """
    content = encode_body(body)
    retries = settings.PROVIDER_MAX_RETRIES if max_retries is None else max_retries
    url = config.chat_url(body.get("model"))
    streaming = bool(body.get("stream"))
    accept = "text/event-stream" if streaming else "application/json"
    attempt = 0
    budget_end = time.monotonic() + settings.PROVIDER_RETRY_BUDGET
    while True:
        attempt += 1
        started = False
        try:
            request = get_client().build_request(
                "POST", url, content=content, headers=config.headers(accept, json_body=True), timeout=_timeout())
            async with contextlib.aclosing(_exchange(request, streaming, deadline)) as events:
                async for event in events:
                    started = True
                    yield event
            return
        except ProviderError as error:
            error.scrub(config.secrets())
            error.attempts = attempt
            delay = None if started or attempt > retries else _retry_delay(attempt, error, deadline, budget_end)
            if delay is None:
                raise
            failure = error
        await _notify(on_retry, attempt, delay, failure)
        await asyncio.sleep(delay)


async def list_models(config: ProviderConfig, *, deadline: float | None = None) -> list[str]:
    """Sorted model ids the provider offers (an Azure deployment URL offers just its deployment)."""
    if config.fixed_deployment:
        return [config.fixed_deployment]
    request = get_client().build_request("GET", config.models_url(), headers=config.headers(), timeout=_timeout())
    try:
        async with contextlib.aclosing(_exchange(request, False, deadline)) as events:
            answer = await anext(events)
        return model_ids(answer.data)
    except ProviderError as error:
        raise error.scrub(config.secrets())


async def _exchange(request: httpx.Request, streaming: bool, deadline: float | None) -> AsyncIterator[ProviderEvent]:
    """One attempt: send the request, then yield its events; every failure becomes a ProviderError."""
    response = None
    try:
        async with contextlib.AsyncExitStack() as stack:
            async with _deadline_scope(deadline):
                response = await get_client().send(request, stream=True)
            stack.push_async_callback(response.aclose)
            if not response.is_success:
                async with _deadline_scope(deadline):
                    raw = await read_error_body(response)
                raise status_error(response, raw)
            if streaming and is_event_stream(response):
                events = await stack.enter_async_context(contextlib.aclosing(_stream_events(response, deadline)))
                async for event in events:
                    yield event
            else:
                # Also where a server that ignores `stream: true` lands: its whole answer is still an answer.
                yield await _whole_answer(response, deadline)
    except TimeoutError:
        raise deadline_error(response) from None
    except httpx.HTTPError as exc:
        raise transport_error(exc, request.url, response) from exc


async def _stream_events(response: httpx.Response, deadline: float | None) -> AsyncIterator[ProviderEvent]:
    # The body stays bytes until the JSON parser (see sse.py); SSE is UTF-8 by definition,
    # whatever charset the header claims.
    progress = StreamProgress()
    reader = EventReader()
    # The read timeout bounds each gap; the deadline bounds the whole call against a slow drip. A
    # piece takes a read or two, each within the read timeout, so while the deadline is further
    # away than two of them the read needs no timer of its own (a timer per piece cost about a
    # twentieth of the read side's CPU).
    far = deadline - 2 * settings.PROVIDER_READ_TIMEOUT if deadline is not None else None
    received_at = time.monotonic()
    async with contextlib.aclosing(_body(response)) as source:
        while True:
            if far is None or received_at < far:
                piece = await anext(source, None)
            else:
                async with _deadline_scope(deadline):
                    piece = await anext(source, None)
            received_at = time.monotonic()
            if piece is None:
                if not progress.complete():
                    raise cut_stream_error(response)
                yield ProviderEvent("done", None, received_at, done_marker=False)
                return
            for name, data in reader.feed(piece):
                if data.strip() == DONE_MARKER:
                    await _drain(source)
                    yield ProviderEvent("done", None, received_at, done_marker=True)
                    return
                chunk = parse_chunk(data, name, response)
                progress.note(chunk)
                yield ProviderEvent("chunk", chunk, received_at)


def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive: undecoded when it has no content encoding (the usual case)."""
    if response.headers.get("content-encoding", "identity").strip().lower() in ("", "identity"):
        return response.aiter_raw()
    return response.aiter_bytes()


async def _whole_answer(response: httpx.Response, deadline: float | None) -> ProviderEvent:
    async with _deadline_scope(deadline):
        raw = await response.aread()
    return ProviderEvent("completion", parse_whole_answer(raw, response), time.monotonic())


async def _drain(source: AsyncIterator) -> None:
    """Read to the end of the body, ignoring what a server may send after [DONE]."""
    with contextlib.suppress(httpx.HTTPError, TimeoutError):
        async with asyncio.timeout(DRAIN_AFTER_DONE):
            async for _ in source:
                pass


def _deadline_scope(deadline: float | None) -> asyncio.Timeout:
    """An asyncio timeout ending at a time.monotonic() deadline (the loop's clock may differ)."""
    if deadline is None:
        return asyncio.timeout(None)
    return asyncio.timeout_at(asyncio.get_running_loop().time() + (deadline - time.monotonic()))


def _retry_delay(attempt: int, error: ProviderError, deadline: float | None, budget_end: float) -> float | None:
    """Seconds to wait before the next attempt, or None when this error should not be retried."""
    if not error.retryable:
        return None
    if error.retry_after is not None:
        delay = min(error.retry_after, MAX_RETRY_AFTER)
    else:
        # Full jitter: callers that failed together do not retry together.
        delay = random.uniform(0, min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1)))
    if deadline is not None and time.monotonic() + delay >= deadline:
        return None
    if time.monotonic() + delay >= budget_end:
        return None
    return delay


async def _notify(on_retry: OnRetry | None, retry_number: int, delay: float, error: ProviderError) -> None:
    if on_retry is None:
        return
    result = on_retry(retry_number, delay, error)
    if inspect.isawaitable(result):
        await result


def _timeout() -> httpx.Timeout:
    # Read per call so a changed setting applies at once; a stalled upload is as stuck as a stalled read.
    return httpx.Timeout(connect=settings.PROVIDER_CONNECT_TIMEOUT, read=settings.PROVIDER_READ_TIMEOUT,
                         write=settings.PROVIDER_READ_TIMEOUT, pool=settings.PROVIDER_CONNECT_TIMEOUT)
