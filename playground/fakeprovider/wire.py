"""The fake provider's wire format: request checks, completion bodies, SSE events, error bodies.

Stream events are serialized once, before the first byte goes out, so streaming many responses at
once costs little more than the writes themselves.
"""

import json
import secrets
import time
from dataclasses import dataclass

from playground.spec.validators import REQUEST, error_messages

from .generation import STAMP_PLACEHOLDER, ChoicePlan, Delta

SYSTEM_FINGERPRINT = "fp_fake0001"
DONE_EVENT = b"data: [DONE]\n\n"
MALFORMED_EVENT = b"data: {not json\n\n"
# How many schema errors one 400 message lists.
MAX_LISTED_ERRORS = 3


class RequestError(Exception):
    """A request the real API would refuse; turns into an OpenAI-shaped error body."""

    def __init__(self, message: str, param: str | None = None, status: int = 400,
                 error_type: str = "invalid_request_error", code: str | None = None, headers: tuple = ()):
        super().__init__(message)
        self.message, self.param, self.status, self.error_type, self.code = message, param, status, error_type, code
        self.headers = headers

    def body(self) -> dict:
        return error_body(self.message, self.error_type, self.param, self.code)


def error_body(message: str, error_type: str, param: str | None = None, code: str | None = None) -> dict:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def parse_request(raw: bytes, default_model: str | None = None) -> dict:
    """The request body as a dict, or RequestError for bad JSON, schema errors and semantic rules."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(f"We could not parse the JSON body of your request: {exc}.") from None
    if default_model and isinstance(body, dict):
        body.setdefault("model", default_model)
    problems = error_messages(REQUEST, body)
    if problems:
        listed = "; ".join(f"{_param(path) or 'body'}: {message}" for path, message in problems[:MAX_LISTED_ERRORS])
        raise RequestError(f"Invalid request body ({listed}).", _param(problems[0][0]))
    check_semantics(body)
    return body


def _param(json_path: str) -> str | None:
    """`$.messages[0].role` -> `messages[0].role`; the whole body -> None."""
    return json_path.removeprefix("$").removeprefix(".") or None


def check_semantics(body: dict) -> None:
    """Rules the schema cannot express but the real API enforces."""
    if body.get("top_logprobs") is not None and not body.get("logprobs"):
        raise RequestError("'logprobs' must be set to true when 'top_logprobs' is used.", "top_logprobs")
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise RequestError(
            "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.", "max_tokens")
    for name in ("max_tokens", "max_completion_tokens"):
        if body.get(name) is not None and body[name] < 1:
            raise RequestError(f"Invalid '{name}': integer below minimum value 1.", name)
    if body.get("stream_options") is not None and not body.get("stream"):
        raise RequestError("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options")
    _check_tool_choice(body)


def _check_tool_choice(body: dict) -> None:
    choice = body.get("tool_choice")
    if choice is None:
        return
    if not body.get("tools"):
        raise RequestError("'tool_choice' is only allowed when 'tools' are specified.", "tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        names = {t["function"]["name"] for t in body["tools"] if t.get("type") == "function"}
        if choice["function"]["name"] not in names:
            raise RequestError(f"Tool choice '{choice['function']['name']}' not found in 'tools'.", "tool_choice")


@dataclass(frozen=True)
class ResponseHead:
    """What every chunk and the completion of one response share."""

    id: str
    created: int
    model: str
    service_tier: str

    @classmethod
    def for_request(cls, body: dict, model: str) -> "ResponseHead":
        tier = body.get("service_tier") or "default"
        return cls(f"chatcmpl-{secrets.token_hex(12)}", int(time.time()), model, "default" if tier == "auto" else tier)

    def fields(self, object: str) -> dict:
        return {"id": self.id, "object": object, "created": self.created, "model": self.model,
                "system_fingerprint": SYSTEM_FINGERPRINT, "service_tier": self.service_tier}


def usage(prompt_tokens: int, plans: list[ChoicePlan], reasoning_tokens: int = 0) -> dict:
    completion = sum(p.completion_tokens for p in plans) + reasoning_tokens
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


def completion_body(head: ResponseHead, plans: list[ChoicePlan], usage: dict | None) -> dict:
    """The `chat.completion` object of a non-streamed response (usage is optional in the schema)."""
    body = {**head.fields("chat.completion"), "choices": [_completion_choice(p) for p in plans]}
    return body if usage is None else {**body, "usage": usage}


def _completion_choice(plan: ChoicePlan) -> dict:
    message = {"role": "assistant", "content": plan.content, "refusal": None, "annotations": []}
    if plan.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in plan.tool_calls]
    if plan.function_call:
        message["function_call"] = {"name": plan.function_call.name, "arguments": plan.function_call.arguments}
    logprobs = None if plan.logprobs is None else {"content": plan.logprobs, "refusal": None}
    return {"index": plan.index, "message": message, "logprobs": logprobs, "finish_reason": plan.finish_reason}


@dataclass
class EventPlan:
    """A streamed response as bytes: one list of events per token step, then the closing events."""

    steps: list[list[bytes]]
    closing: list[bytes]


def stream_events(head: ResponseHead, plans: list[ChoicePlan], usage: dict, include_usage: bool) -> EventPlan:
    """Interleaves the choices step by step, like the real API does for n > 1."""
    chunk = _ChunkWriter(head, include_usage)
    steps = [[chunk.event(p.index, _role_delta(p)) for p in plans]]
    for step in range(max((len(p.deltas) for p in plans), default=0)):
        events = [chunk.event(p.index, p.deltas[step]) for p in plans if step < len(p.deltas)]
        if step == 0:
            steps[0].extend(events)
        else:
            steps.append(events)
    closing = [chunk.finish(p.index, p.finish_reason) for p in plans]
    if include_usage:
        closing.append(chunk.usage_event(usage))
    closing.append(DONE_EVENT)
    return EventPlan(steps, closing)


def _role_delta(plan: ChoicePlan) -> Delta:
    if plan.content is None:
        return Delta({"role": "assistant", "content": None})
    return Delta({"role": "assistant", "content": "", "refusal": None})


class _ChunkWriter:
    """Serializes chunks around a pre-built head, so each chunk costs one small json.dumps."""

    def __init__(self, head: ResponseHead, include_usage: bool):
        fields = json.dumps(head.fields("chat.completion.chunk"), ensure_ascii=False, separators=(",", ":"))
        self.prefix = f'data: {fields[:-1]},"choices":['.encode()
        self.suffix = b"]" + (b',"usage":null}\n\n' if include_usage else b"}\n\n")

    def event(self, index: int, delta: Delta) -> bytes:
        logprobs = None if delta.logprob is None else {"content": [delta.logprob], "refusal": None}
        return self._wrap({"index": index, "delta": delta.fields, "logprobs": logprobs, "finish_reason": None})

    def finish(self, index: int, finish_reason: str) -> bytes:
        return self._wrap({"index": index, "delta": {}, "logprobs": None, "finish_reason": finish_reason})

    def usage_event(self, usage: dict) -> bytes:
        return self.prefix + b'],"usage":' + _dumps(usage) + b"}\n\n"

    def _wrap(self, choice: dict) -> bytes:
        return self.prefix + _dumps(choice) + self.suffix


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


_STAMP_BYTES = STAMP_PLACEHOLDER.encode()


def stamp(data: bytes) -> bytes:
    """Put the wall-clock time of now into every stamp placeholder (the `stamp` knob)."""
    return data.replace(_STAMP_BYTES, f"{time.time():.6f} ".encode())


def error_event(message: str) -> bytes:
    """The SSE event a provider sends when it fails after the stream started."""
    return b"data: " + _dumps(error_body(message, "server_error")) + b"\n\n"


# What the real API answers with each status an injected fault can produce.
STATUS_ERRORS = {
    400: ("invalid_request_error", None, "Injected fault: the request was refused."),
    408: ("invalid_request_error", "request_timeout", "The server timed out waiting for the request."),
    409: ("invalid_request_error", "conflict", "Another request is using this resource; try again."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "unsupported_country_region_territory",
          "Country, region, or territory not supported."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in {retry_after}s."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", "service_unavailable", "The engine is currently overloaded, please try again later."),
}


def validation_500(name: str) -> RequestError:
    """What llama-cpp-python's server answers for a value its pydantic models refuse: a 500 listing
    the validation errors, in an OpenAI-shaped body."""
    detail = (f"[{{'type': 'literal_error', 'loc': ('body', '{name}'), 'msg': \"Input should be a supported "
              f"value\", 'input': '{name}'}}]")
    return RequestError(detail, None, 500, "internal_server_error")


def status_error(status: int, retry_after: int = 1) -> RequestError:
    error_type, code, message = STATUS_ERRORS[status]
    headers = (("retry-after", str(retry_after)),) if status == 429 else ()
    return RequestError(message.format(retry_after=retry_after), None, status, error_type, code, headers)
