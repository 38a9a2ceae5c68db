"""Reading what a provider sent: events of a stream, whole answers, error bodies, Retry-After.

Turns httpx responses and exceptions into ProviderEvents and ProviderErrors; client.py decides
when to call, retry and stop.
"""

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx
import orjson

from .errors import ProviderError

DONE_MARKER = b"[DONE]"
REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id")
# Error bodies are read only this far: enough for any real message, bounded against a runaway body.
MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True)
class ProviderEvent:
    """One thing that arrived, with its monotonic arrival time.

    kind "chunk": `data` is a parsed `chat.completion.chunk`; "completion": `data` is the whole
    answer of a non-streamed call; "done": the stream ended well, `done_marker` saying whether the
    provider sent `data: [DONE]` or just ended the body after every choice had finished.
    """

    kind: str
    data: dict | None
    received_at: float
    done_marker: bool = False


def request_id(response: httpx.Response | None) -> str | None:
    if response is None:
        return None
    return next((response.headers[name] for name in REQUEST_ID_HEADERS if name in response.headers), None)


def is_event_stream(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").partition(";")[0].strip() == "text/event-stream"


class StreamProgress:
    """Which choices a stream has finished, to tell a complete stream without [DONE] from a cut one."""

    def __init__(self):
        self.finish_reasons: dict[int, str | None] = {}

    def note(self, chunk: dict) -> None:
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if isinstance(choice, dict):
                index = choice.get("index", 0)
                self.finish_reasons[index] = choice.get("finish_reason") or self.finish_reasons.get(index)

    def complete(self) -> bool:
        return bool(self.finish_reasons) and all(self.finish_reasons.values())


def parse_chunk(data: bytes | str, event_name: str, response: httpx.Response) -> dict:
    """The chunk of one SSE `data` payload; ProviderError for an error payload or one that is not JSON."""
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        # What orjson refuses and Python's parser reads (bytes that are not UTF-8, read as a text
        # decoder would, with U+FFFD; NaN; lone surrogates) is read as before.
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            raise _malformed(f"The provider sent a malformed chunk (not JSON): {_excerpt(text)}", response) from None
    if not isinstance(payload, dict):
        raise _malformed(f"The provider sent a malformed chunk (not a JSON object): {_excerpt(data)}", response)
    if "error" in payload or event_name == "error":
        raise payload_error("stream_error", payload, response)
    return payload


def parse_whole_answer(raw: bytes, response: httpx.Response) -> dict:
    """The JSON object of a non-streamed answer; ProviderError when it is broken or reports an error."""
    payload = _json_or_none(raw)
    if not isinstance(payload, dict):
        raise _malformed(f"The provider's answer is not a JSON object: {_excerpt(raw)}", response)
    if "error" in payload:
        raise payload_error("stream_error", payload, response)
    return payload


def model_ids(payload: dict) -> list[str]:
    """Sorted ids of an OpenAI-shaped model list (`{"data": [{"id": ...}, ...]}`)."""
    entries = payload.get("data")
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "id" in e for e in entries):
        raise ProviderError("malformed", "The provider's model list is not in the OpenAI format.")
    return sorted(str(entry["id"]) for entry in entries)


async def read_error_body(response: httpx.Response) -> bytes:
    """At most MAX_ERROR_BODY bytes of an error answer."""
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) >= MAX_ERROR_BODY:
            break
    return bytes(body[:MAX_ERROR_BODY])


def status_error(response: httpx.Response, raw: bytes) -> ProviderError:
    """The ProviderError of a non-2xx answer, with the provider's own message when it sent one."""
    payload = _json_or_none(raw)
    if isinstance(payload, dict) and _error_message(payload):
        return payload_error("http", payload, response)
    message = f"The provider answered HTTP {response.status_code} {response.reason_phrase}".rstrip() + "."
    if response.is_redirect and "location" in response.headers:
        message += f" It redirects to {response.headers['location']}."
    return ProviderError("http", message, status=response.status_code,
                         request_id=request_id(response), retry_after=retry_after(response.headers))


def payload_error(kind: str, payload: dict, response: httpx.Response) -> ProviderError:
    """A ProviderError from an error body: OpenAI's `{"error": {...}}`, or the common looser shapes."""
    detail = payload.get("error")
    fields = detail if isinstance(detail, dict) else {}
    status = response.status_code if kind == "http" else None
    return ProviderError(
        kind, _error_message(payload) or "The provider reported an error without a message.", status=status,
        error_type=_text(fields.get("type")), code=_text(fields.get("code")), param=_text(fields.get("param")),
        request_id=request_id(response), retry_after=retry_after(response.headers))


def _error_message(payload: dict) -> str | None:
    detail = payload.get("error")
    if isinstance(detail, dict):
        return _text(detail.get("message"))
    if isinstance(detail, str):
        return detail
    # FastAPI-style and other servers that put the message at the top level.
    return next((payload[key] for key in ("message", "detail") if isinstance(payload.get(key), str)), None)


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from `retry-after-ms` (OpenAI) or `Retry-After` (seconds or an HTTP date)."""
    if "retry-after-ms" in headers:
        seconds = _number(headers["retry-after-ms"])
        if seconds is not None:
            return seconds / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)


def transport_error(exc: httpx.HTTPError, url: httpx.URL, response: httpx.Response | None) -> ProviderError:
    """A ProviderError for a failure of the connection itself, naming the host but never the request."""
    host = f"{url.host}:{url.port}" if url.port else url.host
    rid = request_id(response)
    if isinstance(exc, httpx.ConnectTimeout):
        return ProviderError("timeout", f"Connecting to {host} took too long.", request_id=rid)
    if isinstance(exc, httpx.ReadTimeout):
        return ProviderError("timeout", f"{host} stopped sending for longer than the read timeout.", request_id=rid)
    if isinstance(exc, httpx.WriteTimeout):
        return ProviderError("timeout", f"Sending the request to {host} took too long.", request_id=rid)
    if isinstance(exc, httpx.PoolTimeout):
        return ProviderError("timeout", "Too many provider calls at once: no connection became free in time.")
    if isinstance(exc, httpx.ConnectError):
        return ProviderError("connection", f"Could not connect to {host} ({_reason(exc)}).", request_id=rid)
    if isinstance(exc, httpx.DecodingError):
        return ProviderError("malformed", f"{host} sent a body that could not be decoded.", request_id=rid)
    if response is None:
        return ProviderError("connection", f"The connection to {host} failed ({_reason(exc)}).", request_id=rid)
    return ProviderError("connection", f"The connection to {host} broke before the answer was complete "
                                       f"({_reason(exc)}).", request_id=rid)


def cut_stream_error(response: httpx.Response) -> ProviderError:
    return ProviderError("connection", "The stream ended before the answer was complete (no [DONE] and "
                                       "unfinished choices).", request_id=request_id(response))


def deadline_error(response: httpx.Response | None) -> ProviderError:
    return ProviderError("deadline", "Stopped: the call ran past the time allowed for it.",
                         request_id=request_id(response))


def _malformed(message: str, response: httpx.Response) -> ProviderError:
    return ProviderError("malformed", message, request_id=request_id(response))


def _json_or_none(raw: bytes):
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _text(value) -> str | None:
    return None if value is None else str(value)


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return max(number, 0.0) if math.isfinite(number) else None


def _excerpt(data: str | bytes, limit: int = 120) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
