"""The capability probe: a short, bounded, sequential matrix of requests that tells what a server
does with each family of request options: honoured, ignored, rejected (with its message), unknown.

Polite by construction: every request asks for a few tokens (ANSWER_TOKENS), streams so that an
answer running past its limit is cut off by us, is retried at most once (and never when the server
called it invalid), is sent one at a time, and
the whole probe stops between two requests when `should_stop()` says so. `probe()` returns a
ProbeReport; `on_finding` is told each finding as it is made (progress, partial results).

What is inferred, and how, is said in each finding's `evidence`: a server can look like it honours
an option by luck (a model that always answers "{" looks JSON-constrained), so the checks pick
cases where ignoring the option shows (a long answer against a short limit, a different prompt
sent between two requests with the same seed, the prompt's token count with and without an image).
"""

import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from playground.spec.validators import STREAM_CHUNK, validator

from .client import stream_chat
from .config import ProviderConfig
from .errors import ProviderError

HONOURED, IGNORED, REJECTED, UNKNOWN = "honoured", "ignored", "rejected", "unknown"
VERDICTS = (HONOURED, IGNORED, REJECTED, UNKNOWN)
# The answer length every request asks for, and the limit the length checks set below it.
ANSWER_TOKENS = 16
SHORT_LIMIT = 4
# A length check stops reading once the answer is this many words long: clearly past its limit.
CUT_AFTER_WORDS = 24
# Seconds one probe request may take (a small local model on two cores answers in a few).
REQUEST_SECONDS = 60.0
# Upper bounds for the cost estimate: prompt tokens of the longest probe prompt, answer tokens.
PROMPT_TOKENS_PER_REQUEST = 120
UNKNOWN_MODEL = "no-such-model-capability-probe"

LONG_PROMPT = "Write a long story about a cat who travels around the world, with many details."
POEM_PROMPT = "Write a short poem about the sea."
OTHER_PROMPT = "List some fruits and their colours."
JSON_PROMPT = "Describe a city as a JSON object with the keys name and country."
TOOL_PROMPT = "What is the weather in Paris today? Use the get_weather tool."
# A 1x1 red PNG: small enough for any server, a real image for one that reads images.
RED_PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CITY_SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "city",
        "strict": True,
        "schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                   "additionalProperties": False},
    },
}


@dataclass(frozen=True)
class Check:
    """One row of the matrix: what it tests and which request options it is about (the panel
    shows an ignored or rejected finding next to these, unless `panel` is off)."""

    key: str
    label: str
    params: tuple[str, ...]
    panel: bool = True


CHECKS = (
    Check("include_usage", "stream_options.include_usage (usage chunk)", ("stream_options",)),
    Check("max_tokens", "max_tokens (deprecated length limit)", ("max_tokens",)),
    Check("max_completion_tokens", "max_completion_tokens", ("max_completion_tokens",)),
    Check("stop", "stop", ("stop",)),
    Check("seed", "seed (same text after another prompt)", ("seed",)),
    Check("logprobs", "logprobs without top_logprobs", ("logprobs",)),
    Check("top_logprobs", "top_logprobs with logprobs", ("top_logprobs",)),
    # The panel already refuses top_logprobs without logprobs: what a server does with it is for the table only.
    Check("top_logprobs_alone", "top_logprobs without logprobs", ("top_logprobs",), panel=False),
    Check("n", "n > 1", ("n",)),
    Check("json_object", "response_format: json_object", ("response_format",)),
    Check("json_schema", "response_format: json_schema", ("response_format",)),
    Check("tool_choice_auto", "tools, tool_choice: auto", ("tools", "tool_choice")),
    Check("tool_choice_required", "tools, tool_choice: required", ("tool_choice",)),
    Check("tool_choice_named", "tools, tool_choice: {function} (named)", ("tool_choice",)),
    Check("developer_role", "developer role", ("messages",)),
    Check("system_role", "system role", ("messages",)),
    Check("image_parts", "image parts in content", ("messages",)),
    Check("unknown_model", "an unknown model name", ("model",)),
    # Over every chunk the probe read: what a strict client (an official SDK) would refuse.
    Check("stream_schema", "streamed chunks against the official schema", ("stream",), panel=False),
)
BY_KEY = {check.key: check for check in CHECKS}


@dataclass
class Finding:
    key: str
    verdict: str
    evidence: str
    status: int | None = None  # the HTTP status of a rejection
    message: str | None = None  # the server's own words, for a rejection

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class ProbeReport:
    provider: str
    model: str
    server_model: str | None = None
    started_at: str = ""
    finished_at: str | None = None
    requests: int = 0
    cancelled: bool = False
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**asdict(self), "findings": [f.as_dict() for f in self.findings]}


@dataclass
class Answer:
    """What came back for one probe request: per choice text, tool calls, logprobs; usage; model."""

    texts: dict[int, str] = field(default_factory=dict)
    tool_calls: dict[int, list[str]] = field(default_factory=dict)
    logprobs: dict[int, list[dict]] = field(default_factory=dict)
    finish_reasons: dict[int, str] = field(default_factory=dict)
    usage: dict | None = None
    model: str | None = None
    chunks: int = 0
    cut: bool = False  # we stopped reading (the answer ran past what we needed)

    @property
    def text(self) -> str:
        return self.texts.get(0, "")

    @property
    def words(self) -> int:
        return len(self.text.split())

    def add_chunk(self, chunk: dict) -> None:
        self.chunks += 1
        self.model = chunk.get("model") or self.model
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            index = choice.get("index") or 0
            delta = choice.get("delta") or {}
            self.texts[index] = self.texts.get(index, "") + (delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                name = ((call or {}).get("function") or {}).get("name")
                if name:
                    self.tool_calls.setdefault(index, []).append(name)
            entries = ((choice.get("logprobs") or {}).get("content")) or []
            self.logprobs.setdefault(index, []).extend(entries)
            if choice.get("finish_reason"):
                self.finish_reasons[index] = choice["finish_reason"]

    def add_completion(self, completion: dict) -> None:
        self.model = completion.get("model")
        self.usage = completion.get("usage")
        for choice in completion.get("choices") or []:
            index = choice.get("index") or 0
            message = choice.get("message") or {}
            self.texts[index] = message.get("content") or ""
            self.tool_calls[index] = [((c or {}).get("function") or {}).get("name") for c in message.get("tool_calls") or []]
            self.logprobs[index] = ((choice.get("logprobs") or {}).get("content")) or []
            self.finish_reasons[index] = choice.get("finish_reason")


ShouldStop = Callable[[], bool | Awaitable[bool]]
OnFinding = Callable[[Finding, ProbeReport], Awaitable[None] | None]


class ProbeCancelled(Exception):
    pass


def estimate_usage() -> dict:
    """The most a probe can use, for a cost estimate before it starts: one request per check
    (a few checks send two or four), each at most PROMPT_TOKENS_PER_REQUEST in and two choices of
    ANSWER_TOKENS out (a server that ignores the limits is cut off at CUT_AFTER_WORDS words)."""
    requests = REQUEST_COUNT
    return {"requests": requests, "prompt_tokens": requests * PROMPT_TOKENS_PER_REQUEST,
            "completion_tokens": requests * 2 * max(ANSWER_TOKENS, CUT_AFTER_WORDS * 2)}


class Prober:
    def __init__(self, config: ProviderConfig, model: str, *, should_stop: ShouldStop | None = None,
                 on_finding: OnFinding | None = None):
        self.config = config
        self.model = model
        self.should_stop = should_stop
        self.on_finding = on_finding
        self.report = ProbeReport(provider=config.name, model=model, started_at=_now())
        # The length option the other requests use: the first one found honoured.
        self.limit_name = "max_tokens"
        self.chunks_checked = 0
        self.schema_errors: dict[str, str] = {}  # a chunk field's path (indices left out) -> what is wrong

    async def run(self) -> ProbeReport:
        try:
            for check in CHECK_ORDER:
                await self._stop_if_asked()
                await getattr(self, f"check_{check}")()
        except ProbeCancelled:
            self.report.cancelled = True
        # Reports list the options in CHECKS order, whatever order they were asked in.
        self.report.findings.sort(key=lambda f: list(BY_KEY).index(f.key))
        self.report.finished_at = _now()
        return self.report

    # -- sending ---------------------------------------------------------------------------

    async def ask(self, messages=None, *, model: str | None = None, stream: bool = True, limit: bool = True,
                  enough: Callable[[Answer], bool] | None = None, **options) -> tuple[Answer, ProviderError | None]:
        """One request, sent once; reading stops early when `enough(answer)` says so."""
        await self._stop_if_asked()
        body = {"model": model or self.model, "messages": messages or _user(POEM_PROMPT), **options}
        if stream:
            body["stream"] = True
        if limit and self.limit_name not in body and "max_tokens" not in body and "max_completion_tokens" not in body:
            body[self.limit_name] = ANSWER_TOKENS
        answer = Answer()
        self.report.requests += 1
        deadline = time.monotonic() + REQUEST_SECONDS
        try:
            # One retry where repetition can help (errors.py decides: never a request the server called
            # invalid): llama-server closes idle keep-alive connections after a few seconds, and a
            # request on one it just closed fails with "Server disconnected without sending a response".
            async with contextlib.aclosing(stream_chat(self.config, body, deadline=deadline, max_retries=1)) as events:
                async for event in events:
                    if event.kind == "chunk":
                        answer.add_chunk(event.data)
                        self._check_schema(event.data)
                    elif event.kind == "completion":
                        answer.add_completion(event.data)
                    if enough is not None and enough(answer):
                        answer.cut = True
                        break
        except ProviderError as error:
            return answer, error
        if answer.model and self.report.server_model is None and model is None:
            self.report.server_model = answer.model
        return answer, None

    def _check_schema(self, chunk: dict) -> None:
        self.chunks_checked += 1
        for error in validator(STREAM_CHUNK).iter_errors(chunk):
            path = ".".join(str(part) for part in error.absolute_path if not isinstance(part, int))
            self.schema_errors.setdefault(path or "(chunk)", error.message[:80])

    async def found(self, key: str, verdict: str, evidence: str, error: ProviderError | None = None) -> None:
        finding = Finding(key, verdict, evidence)
        if error is not None:
            finding.status, finding.message = error.status, error.message[:500]
        self.report.findings.append(finding)
        if self.on_finding is not None:
            result = self.on_finding(finding, self.report)
            if inspect.isawaitable(result):
                await result

    async def failed(self, key: str, error: ProviderError) -> None:
        """A rejection when the server refused the request itself; else the probe could not tell."""
        if error.kind == "http" and error.status and 400 <= error.status < 600 and error.status != 429:
            await self.found(key, REJECTED, f"HTTP {error.status}", error)
        else:
            await self.found(key, UNKNOWN, f"the request failed: {error.message[:200]}", error)

    async def _stop_if_asked(self) -> None:
        if self.should_stop is None:
            return
        stop = self.should_stop()
        if inspect.isawaitable(stop):
            stop = await stop
        if stop:
            raise ProbeCancelled()

    # -- the checks, in CHECK_ORDER ----------------------------------------------------------

    async def check_limits(self) -> None:
        for name in ("max_completion_tokens", "max_tokens"):
            answer, error = await self.ask(_user(LONG_PROMPT), limit=False, enough=_past_limit, **{name: SHORT_LIMIT})
            if error:
                await self.failed(name, error)
                continue
            verdict, evidence = _length_verdict(answer, SHORT_LIMIT)
            await self.found(name, verdict, evidence)
            if verdict == HONOURED and self.limit_name == "max_tokens" and name == "max_completion_tokens":
                self.limit_name = name

    async def check_include_usage(self) -> None:
        answer, error = await self.ask(stream_options={"include_usage": True})
        if error:
            await self.failed("include_usage", error)
            return
        if answer.usage:
            await self.found("include_usage", HONOURED, f"a usage chunk came ({answer.usage.get('completion_tokens')} completion tokens)")
        else:
            await self.found("include_usage", IGNORED, "no usage chunk in the stream")

    async def check_stop(self) -> None:
        first, error = await self.ask(temperature=0, seed=1)
        words = first.text.split()
        if error or len(words) < 4:
            await self.found("stop", UNKNOWN, "no answer long enough to pick a stop word from", error)
            return
        stop = words[len(words) // 2]
        second, error = await self.ask(temperature=0, seed=1, stop=[stop])
        if error:
            await self.failed("stop", error)
            return
        cut_at = first.text.find(stop)
        if second.text == first.text[:cut_at] or (stop not in second.text and len(second.text) <= cut_at + 1):
            await self.found("stop", HONOURED, f"the answer ended before {stop!r}, which it held without stop")
        elif stop in second.text:
            await self.found("stop", IGNORED, f"the answer went on past {stop!r}")
        else:
            await self.found("stop", UNKNOWN, "the answer changed between two requests at temperature 0")

    async def check_seed(self) -> None:
        options = {"temperature": 1.0, "top_p": 1.0}
        first, error = await self.ask(seed=7, **options)
        if error:
            await self.failed("seed", error)
            return
        await self.ask(_user(OTHER_PROMPT), seed=11, **options)
        again, _ = await self.ask(seed=7, **options)
        other, _ = await self.ask(seed=8, **options)
        if first.text == again.text and other.text != first.text:
            await self.found("seed", HONOURED, "the same seed gave the same text after another prompt; another seed, other text")
        elif first.text != again.text:
            await self.found("seed", IGNORED, "the same seed gave other text once another prompt was sent in between")
        else:
            await self.found("seed", UNKNOWN, "every seed gave the same text (sampling settings may be ignored)")

    async def check_logprobs(self) -> None:
        answer, error = await self.ask(logprobs=True)
        if error:
            await self.failed("logprobs", error)
            return
        entries = answer.logprobs.get(0) or []
        if entries:
            await self.found("logprobs", HONOURED, f"{len(entries)} tokens with logprobs")
        else:
            await self.found("logprobs", IGNORED, "no logprobs came back")
        answer, error = await self.ask(logprobs=True, top_logprobs=2)
        if error:
            await self.failed("top_logprobs", error)
        else:
            entries = answer.logprobs.get(0) or []
            tops = {len(e.get("top_logprobs") or []) for e in entries}
            if entries and min(tops) >= 2:
                extra = " (plus the sampled token when it is not among them)" if max(tops) > 2 else ""
                count = f"{min(tops)}" if min(tops) == max(tops) else f"{min(tops)}-{max(tops)}"
                await self.found("top_logprobs", HONOURED, f"{count} alternatives per token{extra}")
            else:
                await self.found("top_logprobs", IGNORED, "no alternatives came back" if entries else "no logprobs came back")
        answer, error = await self.ask(top_logprobs=2)
        if error:
            await self.failed("top_logprobs_alone", error)
        elif answer.logprobs.get(0):
            await self.found("top_logprobs_alone", HONOURED, "logprobs came back without logprobs: true (OpenAI answers 400)")
        else:
            await self.found("top_logprobs_alone", IGNORED, "accepted, no logprobs (OpenAI answers 400)")

    async def check_n(self) -> None:
        answer, error = await self.ask(n=2)
        if error:
            await self.failed("n", error)
            return
        count = len(answer.texts)
        await self.found("n", HONOURED if count == 2 else IGNORED, f"{count} choice{'s' * (count != 1)} for n: 2")

    async def check_response_formats(self) -> None:
        answer, error = await self.ask(_user(JSON_PROMPT), response_format={"type": "json_object"})
        if error:
            await self.failed("json_object", error)
        else:
            ok = answer.text.lstrip().startswith("{")
            await self.found("json_object", HONOURED if ok else IGNORED,
                             f"the answer {'is' if ok else 'is not'} JSON: {_excerpt(answer.text)}")
        answer, error = await self.ask(_user(JSON_PROMPT), response_format=CITY_SCHEMA)
        if error:
            await self.failed("json_schema", error)
        else:
            ok = answer.text.lstrip().replace(" ", "").replace("\n", "").startswith('{"city"')
            await self.found("json_schema", HONOURED if ok else IGNORED,
                             f"the answer {'follows' if ok else 'does not follow'} the schema: {_excerpt(answer.text)}")

    async def check_tools(self) -> None:
        named = {"type": "function", "function": {"name": "get_weather"}}
        for key, choice in (("tool_choice_auto", "auto"), ("tool_choice_required", "required"), ("tool_choice_named", named)):
            answer, error = await self.ask(_user(TOOL_PROMPT), tools=[WEATHER_TOOL], tool_choice=choice)
            if error:
                await self.failed(key, error)
            elif "get_weather" in (answer.tool_calls.get(0) or []):
                await self.found(key, HONOURED, "answered with a call to get_weather")
            elif key == "tool_choice_auto":
                await self.found(key, UNKNOWN, f"answered in text, which auto allows: {_excerpt(answer.text)}")
            else:
                await self.found(key, IGNORED, f"answered in text, no tool call: {_excerpt(answer.text)}")

    async def check_roles(self) -> None:
        for key, role in (("developer_role", "developer"), ("system_role", "system")):
            messages = [{"role": role, "content": "Answer in one short sentence."}, *_user(POEM_PROMPT)]
            answer, error = await self.ask(messages)
            if error:
                await self.failed(key, error)
            else:
                await self.found(key, HONOURED, "accepted")

    async def check_image_parts(self) -> None:
        plain, error = await self.ask(_user("What colour is this picture?"), stream=False)
        parts = [{"type": "text", "text": "What colour is this picture?"},
                 {"type": "image_url", "image_url": {"url": RED_PIXEL}}]
        answer, error = await self.ask([{"role": "user", "content": parts}], stream=False)
        if error:
            await self.failed("image_parts", error)
            return
        before = (plain.usage or {}).get("prompt_tokens")
        after = (answer.usage or {}).get("prompt_tokens")
        if before is None or after is None:
            await self.found("image_parts", UNKNOWN, "accepted; no usage to tell whether the image was read")
        elif after > before:
            await self.found("image_parts", HONOURED, f"the image added {after - before} prompt tokens")
        else:
            await self.found("image_parts", IGNORED, "accepted, but the prompt had as many tokens as without the image (dropped)")

    async def check_unknown_model(self) -> None:
        answer, error = await self.ask(model=UNKNOWN_MODEL)
        if error:
            await self.found("unknown_model", REJECTED, f"HTTP {error.status}" if error.status else error.kind, error)
        else:
            served = f" (answered as {answer.model!r})" if answer.model else ""
            await self.found("unknown_model", IGNORED, f"answered a made-up model name{served}")

    async def check_stream_schema(self) -> None:
        if not self.chunks_checked:
            await self.found("stream_schema", UNKNOWN, "no chunk came")
        elif not self.schema_errors:
            await self.found("stream_schema", HONOURED, f"all {self.chunks_checked} chunks valid")
        else:
            listed = "; ".join(f"{path}: {message}" for path, message in sorted(self.schema_errors.items())[:4])
            await self.found("stream_schema", IGNORED, f"invalid fields (the playground reads them): {listed}")


CHECK_ORDER = ("limits", "include_usage", "stop", "seed", "logprobs", "n", "response_formats", "tools", "roles",
               "image_parts", "unknown_model", "stream_schema")
# Requests per step of CHECK_ORDER, for the cost estimate.
REQUEST_COUNT = 2 + 1 + 2 + 4 + 3 + 1 + 2 + 3 + 2 + 2 + 1


async def probe(config: ProviderConfig, model: str, *, should_stop: ShouldStop | None = None,
                on_finding: OnFinding | None = None) -> ProbeReport:
    """Run the whole matrix against one provider and model; see the module docstring."""
    return await Prober(config, model, should_stop=should_stop, on_finding=on_finding).run()


def _past_limit(answer: Answer) -> bool:
    return answer.words > CUT_AFTER_WORDS


def _length_verdict(answer: Answer, limit: int) -> tuple[str, str]:
    completion = (answer.usage or {}).get("completion_tokens")
    if answer.cut:
        return IGNORED, f"the answer ran past {CUT_AFTER_WORDS} words for a limit of {limit} tokens (cut off by the probe)"
    if isinstance(completion, int):
        verdict = HONOURED if completion <= limit else IGNORED
        return verdict, f"{completion} completion tokens for a limit of {limit}"
    if answer.finish_reasons.get(0) == "length" and answer.words <= limit:
        return HONOURED, f"finish_reason length after {answer.words} words for a limit of {limit} tokens"
    if answer.words > limit * 2 + 2:
        return IGNORED, f"{answer.words} words for a limit of {limit} tokens"
    return UNKNOWN, f"a short answer ({answer.words} words) that ended by itself"


def _user(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


