"""The fake OpenAI-compatible provider: routes, auth, answers, faults, and what it observed.

`FakeProvider().start(port=0)` runs it on a background thread with its own event loop (tests);
`serve_forever(port)` runs it in the foreground (`python -m playground.fakeprovider`, and
`manage.py fakeprovider`). It listens on 127.0.0.1 only.
"""

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from .generation import ChoicePlan, plan_choices, prompt_token_count
from .http11 import Exchange, serve_connection
from .knobs import ECHO_FAULT, KEY_HEADER, MODEL_DEFAULTS, STATUS_FAULTS, FaultCounter, KnobError, Knobs, parse_knobs, split_model
from .observation import Observations, RecordedRequest, StreamRecord
from .wire import (
    MALFORMED_EVENT, RequestError, ResponseHead, completion_body, error_event, parse_request, stamp, status_error,
    stream_events, usage,
)

HOST = "127.0.0.1"
DEFAULT_PORT = 8100
BAD_KEY = "bad-key"
# Room for a benchmark opening hundreds of connections at once.
BACKLOG = 2048
STARTUP_TIMEOUT = 10
MODELS_CREATED = 1_700_000_000
REASONING_TOKENS_PER_CHOICE = 16
AZURE_CHAT_PATH = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")


@dataclass(frozen=True)
class _Answer:
    """Everything decided about one chat completion before the first byte of it is sent."""

    head: ResponseHead
    plans: list[ChoicePlan]
    usage: dict
    knobs: Knobs
    fault: str | None


class FakeProvider:
    """One fake provider server and its observations; see the module docstring for ways to run it."""

    def __init__(self):
        self.port: int | None = None
        self._observations = Observations()
        self._faults = FaultCounter()
        self._connections: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as base URL."""
        return f"{self.origin}/v1"

    # Running on a background thread (tests).

    def start(self, port: int = 0) -> str:
        """Serve on a background thread; returns the base URL once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the fake provider is already running")
        ready, failures = threading.Event(), []

        def run() -> None:
            try:
                asyncio.run(self.serve(port, on_ready=ready.set))
            except BaseException as exc:  # reported to the starting thread below
                failures.append(exc)
                ready.set()

        self._thread = threading.Thread(target=run, name="fake-provider", daemon=True)
        self._thread.start()
        if not ready.wait(STARTUP_TIMEOUT) or failures:
            self._thread = None
            raise RuntimeError("the fake provider did not start") from (failures[0] if failures else None)
        return self.base_url

    def stop(self) -> None:
        """Close every connection and end the background thread."""
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STARTUP_TIMEOUT)
        self._thread = None

    # Observations, safe to read from any thread.

    @property
    def requests(self) -> list[RecordedRequest]:
        return list(self._observations.requests)

    @property
    def streams(self) -> list[StreamRecord]:
        return list(self._observations.streams)

    @property
    def stats(self) -> dict:
        return self._observations.stats()

    def reset(self) -> None:
        """Forget recorded requests, streams and `times=N` counts (open streams keep counting)."""
        if self._loop is None or not self._loop.is_running() or _in_loop(self._loop):
            self._reset_now()
            return
        asyncio.run_coroutine_threadsafe(self._reset_soon(), self._loop).result(STARTUP_TIMEOUT)

    async def _reset_soon(self) -> None:
        self._reset_now()

    def _reset_now(self) -> None:
        self._observations.clear()
        self._faults.clear()

    def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Poll `condition` (e.g. a stream got closed by its client) until true or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # The server itself.

    async def serve(self, port: int = 0, on_ready: Callable[[], None] | None = None) -> None:
        """Serve until stop() (or until cancelled), then close every connection."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._connection, HOST, port, backlog=BACKLOG)
        self.port = server.sockets[0].getsockname()[1]
        if on_ready:
            on_ready()
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for task in self._connections:
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await serve_connection(reader, writer, self._route)
        except asyncio.CancelledError:
            # Stopping the server cancels this task; ending it quietly spares asyncio's stream
            # callback from reporting the cancellation as an error.
            pass
        finally:
            self._connections.discard(task)

    async def _route(self, exchange: Exchange) -> None:
        request = exchange.request
        if request.path.startswith("/_fake/"):
            return await self._observation_api(exchange)
        self._observations.requests.append(RecordedRequest(**vars(request)))
        azure = AZURE_CHAT_PATH.match(request.path)
        if (request.method, request.path) == ("GET", "/v1/models"):
            return await self._models(exchange)
        if request.method == "POST" and (request.path == "/v1/chat/completions" or azure):
            return await self._chat(exchange, azure["deployment"] if azure else None)
        error = RequestError(f"Invalid URL ({request.method} {request.path})", status=404)
        await exchange.send_json(error.status, error.body())

    async def _observation_api(self, exchange: Exchange) -> None:
        route = (exchange.request.method, exchange.request.path)
        if route == ("GET", "/_fake/requests"):
            return await exchange.send_json(200, {"data": [r.as_dict() for r in self.requests]})
        if route == ("GET", "/_fake/stats"):
            return await exchange.send_json(200, self.stats)
        if route == ("POST", "/_fake/reset"):
            self._reset_now()
            return await exchange.send_json(200, {"reset": True})
        await exchange.send_json(404, RequestError(f"Invalid URL ({' '.join(route)})").body())

    async def _models(self, exchange: Exchange) -> None:
        try:
            _authorize(exchange.request.headers)
        except RequestError as error:
            return await exchange.send_json(error.status, error.body())
        models = [{"id": name, "object": "model", "created": MODELS_CREATED, "owned_by": "fake"}
                  for name in MODEL_DEFAULTS]
        await exchange.send_json(200, {"object": "list", "data": models})

    async def _chat(self, exchange: Exchange, deployment: str | None) -> None:
        request = exchange.request
        try:
            _authorize(request.headers)
            if deployment is not None and "api-version" not in parse_qs(request.query):
                raise RequestError("Missing required query parameter 'api-version'.", "api-version")
            body = parse_request(request.body, default_model=deployment)
            knobs = _knobs(body["model"], request.headers)
            fault = knobs.fault if self._faults.fires(knobs, request.headers.get(KEY_HEADER, body["model"])) else None
            if fault in STATUS_FAULTS:
                raise status_error(int(fault), knobs.retry_after)
            if fault == ECHO_FAULT:
                # A careless gateway quoting what it got: the client must keep secrets out of what it shows.
                echoed = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
                raise RequestError(f"Unexpected request headers ({echoed}).", status=400)
        except RequestError as error:
            return await exchange.send_json(error.status, error.body(), error.headers)
        model = split_model(body["model"])[0]
        plans = plan_choices(body, knobs)
        reasoning = REASONING_TOKENS_PER_CHOICE * len(plans) if model == "fake-reasoner" else 0
        answer = _Answer(ResponseHead.for_request(body, model), plans,
                         usage(prompt_token_count(body["messages"]), plans, reasoning), knobs, fault)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            await self._stream(exchange, answer, include_usage)
        else:
            await _complete(exchange, answer)

    async def _stream(self, exchange: Exchange, answer: _Answer, include_usage: bool) -> None:
        events = stream_events(answer.head, answer.plans, answer.usage, include_usage)
        record = StreamRecord(exchange.request.request_id, answer.head.model)
        self._observations.stream_started(record)
        try:
            await exchange.start_events()
            outcome = await _send_stream(exchange, events, answer.knobs, answer.fault)
        except ConnectionError:
            outcome = "client_closed"
        except asyncio.CancelledError:
            outcome = "client_closed" if exchange.client_gone else "server_stopped"
            raise
        finally:
            self._observations.stream_ended(record, outcome)


async def _complete(exchange: Exchange, answer: _Answer) -> None:
    knobs, fault = answer.knobs, answer.fault
    if fault == "hang":
        return await _forever()
    if fault == "drop":
        return exchange.hang_up()
    steps = max((p.completion_tokens for p in answer.plans), default=0)
    await asyncio.sleep((knobs.ttft_ms + knobs.delay_ms * max(steps - 1, 0)) / 1000)
    if fault == "midstream":
        error = status_error(500)
        return await exchange.send_json(error.status, error.body())
    if fault == "malformed":
        return await exchange.send_body(200, "application/json", b'{"id": "chatcmpl-')
    body = completion_body(answer.head, answer.plans, answer.usage)
    if knobs.stamp:
        return await exchange.send_body(200, "application/json", stamp(json.dumps(body, ensure_ascii=False).encode()))
    await exchange.send_json(200, body)


async def _send_stream(exchange: Exchange, events, knobs: Knobs, fault: str | None) -> str:
    """Send the events with the knobs' timing; returns the stream's outcome."""
    await asyncio.sleep(knobs.ttft_ms / 1000)
    if fault == "hang":
        await _forever()
    for number, step in enumerate(events.steps[: knobs.after] if fault else events.steps):
        if number and knobs.delay_ms:
            await asyncio.sleep(knobs.delay_ms / 1000)
        await exchange.send_events([stamp(event) for event in step] if knobs.stamp else step, knobs.split)
    if fault:
        await _break_stream(exchange, fault, knobs.split)
        return f"fault:{fault}"
    await exchange.send_events(events.closing, knobs.split)
    await exchange.end_events()
    return "completed"


async def _break_stream(exchange: Exchange, fault: str, split: bool) -> None:
    exchange.closing = True
    if fault == "drop":
        return exchange.hang_up()
    failure = error_event("The server had an error while processing your request.")
    await exchange.send_events([failure if fault == "midstream" else MALFORMED_EVENT], split)
    await exchange.end_events()


async def _forever() -> None:
    """Wait until cancelled: the client hanging up (or the server stopping) ends it."""
    await asyncio.get_running_loop().create_future()


def _knobs(model: str, headers: dict[str, str]) -> Knobs:
    try:
        return parse_knobs(model, headers)
    except KnobError as error:
        raise RequestError(str(error), error.param) from None


def _authorize(headers: dict[str, str]) -> None:
    """Bearer token (OpenAI) or api-key header (Azure); the key `bad-key` is refused."""
    authorization = headers.get("authorization", "")
    key = authorization[7:].strip() if authorization.lower().startswith("bearer ") else headers.get("api-key", "")
    if not key:
        raise RequestError("You didn't provide an API key. You need to provide your API key in an Authorization "
                           "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", status=401)
    if key == BAD_KEY:
        raise status_error(401)


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def serve_forever(port: int = DEFAULT_PORT, announce: Callable[[str], None] | None = None) -> None:
    """Serve in the foreground until interrupted; announces the base URL once listening."""
    provider = FakeProvider()
    announce = announce or (lambda line: print(line, flush=True))
    try:
        asyncio.run(provider.serve(port, on_ready=lambda: announce(f"Fake provider listening on {provider.base_url}")))
    except KeyboardInterrupt:
        pass
