"""Per-request behaviour of the fake provider: timing, answer length and injected faults.

A knob comes from an `X-Fake-<Knob>` header (tests) or from a model-name suffix such as
`fake-gpt@ttft=500,delay=20,fault=429` (people in a browser); a header wins over the suffix.

  ttft, delay    ms before the first token / between tokens
  tokens         answer length in tokens (default 40)
  fault          400 401 403 404 429 500 503 (error status), or after some tokens of a stream:
                 midstream (SSE error event), drop (connection closed mid-body),
                 malformed (a `data: {not json` event); hang (headers, then nothing);
                 echo (a 400 whose message repeats every request header, as some gateways do)
  retry_after    Retry-After seconds of a 429 (default 1)
  times          the fault hits only the first N requests with the same X-Fake-Key header
                 (or the same model string)
  after          token steps a mid-stream fault lets through first (default 3)
  split          1: every SSE event goes out in two writes, cut inside a multibyte character
  stamp          1: each content token is the wall-clock time it was sent, `time.time()` as
                 "1764441234.123456 ", so a client in another process can measure per-token delay
                 (a non-streamed answer carries its send time in every token; logprob `bytes` are
                 those of the placeholder the time replaces)
"""

from collections import Counter
from dataclasses import dataclass, replace

HEADER_PREFIX = "x-fake-"
# Names the retry bookkeeping of `times=N` (not a knob).
KEY_HEADER = "x-fake-key"

STATUS_FAULTS = {"400", "401", "403", "404", "429", "500", "503"}
STREAM_FAULTS = {"midstream", "drop", "malformed", "hang"}
ECHO_FAULT = "echo"


class KnobError(ValueError):
    """A knob with an unknown name or a malformed value; `param` says where it came from."""

    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Knobs:
    ttft_ms: int = 0
    delay_ms: int = 5
    tokens: int = 40
    fault: str | None = None
    retry_after: int = 1
    times: int | None = None
    split: bool = False
    stamp: bool = False
    # How many token steps a mid-stream fault lets through first.
    after: int = 3


# Model ids the server lists, with the knobs each implies before any override.
MODEL_DEFAULTS = {
    "fake-gpt": Knobs(),
    "fake-reasoner": Knobs(ttft_ms=200, delay_ms=10),
    "fake-slow": Knobs(ttft_ms=800, delay_ms=60),
}

_KNOB_FIELDS = {
    "ttft": "ttft_ms",
    "delay": "delay_ms",
    "tokens": "tokens",
    "fault": "fault",
    "retry_after": "retry_after",
    "times": "times",
    "split": "split",
    "stamp": "stamp",
    "after": "after",
}


def split_model(model: str) -> tuple[str, str]:
    """`fake-gpt@ttft=5` -> ("fake-gpt", "ttft=5")."""
    base, _, suffix = model.partition("@")
    return base, suffix


def parse_knobs(model: str, headers: dict[str, str]) -> Knobs:
    """The knobs of one request: model defaults, then the model suffix, then X-Fake-* headers."""
    base, suffix = split_model(model)
    knobs = MODEL_DEFAULTS.get(base, Knobs())
    for item in filter(None, suffix.split(",")):
        name, _, value = item.partition("=")
        knobs = _with_knob(knobs, name.strip(), value.strip(), param="model")
    for header, value in headers.items():
        if header.startswith(HEADER_PREFIX) and header != KEY_HEADER:
            name = header[len(HEADER_PREFIX):].replace("-", "_")
            knobs = _with_knob(knobs, name, value.strip(), param=header)
    return knobs


def _with_knob(knobs: Knobs, name: str, value: str, param: str) -> Knobs:
    field = _KNOB_FIELDS.get(name)
    if field is None:
        raise KnobError(f"Unknown fake-provider knob {name!r}; known: {', '.join(_KNOB_FIELDS)}.", param)
    if field == "fault":
        if value not in STATUS_FAULTS | STREAM_FAULTS | {ECHO_FAULT}:
            known = ", ".join(sorted(STATUS_FAULTS | STREAM_FAULTS | {ECHO_FAULT}))
            raise KnobError(f"Unknown fault {value!r}; known: {known}.", param)
        return replace(knobs, fault=value)
    if field in ("split", "stamp"):
        return replace(knobs, **{field: value.lower() not in ("0", "false", "no", "off")})
    if not value.isdigit():
        raise KnobError(f"Knob {name!r} needs a whole number, got {value!r}.", param)
    return replace(knobs, **{field: int(value)})


class FaultCounter:
    """Decides whether a request's fault fires; `times=N` lets only the first N of a key fail."""

    def __init__(self):
        self._attempts: Counter[str] = Counter()

    def fires(self, knobs: Knobs, key: str) -> bool:
        if knobs.fault is None:
            return False
        if knobs.times is None:
            return True
        self._attempts[key] += 1
        return self._attempts[key] <= knobs.times

    def clear(self) -> None:
        self._attempts.clear()
