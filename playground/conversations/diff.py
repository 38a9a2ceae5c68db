"""Differences between answers (word by word) and between requests (parameter by parameter)."""

import json
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# Words, single punctuation marks and runs of whitespace: joining the tokens gives the text back.
TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
# Parameters the diff leaves out: the messages are the conversation, not a setting.
NOT_PARAMETERS = ("messages",)


class _Unset:
    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


@dataclass(frozen=True)
class Segment:
    kind: str  # "equal", "insert" or "delete"
    text: str


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text or "")


def word_diff(old: str, new: str) -> list[Segment]:
    """Segments that turn `old` into `new`: equal text, deleted words, inserted words."""
    a, b = tokens(old), tokens(new)
    segments: list[Segment] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            _append(segments, "equal", "".join(a[a1:a2]))
        else:
            _append(segments, "delete", "".join(a[a1:a2]))
            _append(segments, "insert", "".join(b[b1:b2]))
    return segments


def _append(segments: list[Segment], kind: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, segments[-1].text + text)
    else:
        segments.append(Segment(kind, text))


def flatten(body: dict, prefix: str = "") -> dict:
    """Nested objects as dotted keys (`response_format.json_schema.name`); lists stay whole values."""
    flat = {}
    for key, value in body.items():
        if not prefix and key in NOT_PARAMETERS:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def display(value) -> str:
    if value is UNSET:
        return "unset"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def differing_parameters(requests: list[dict]) -> dict[str, list]:
    """The parameters whose values are not the same in every request (messages excluded), each with
    its value per request in order; UNSET where a request leaves it out."""
    flats = [flatten(request or {}) for request in requests]
    keys = sorted({key for flat in flats for key in flat})
    differing = {}
    for key in keys:
        values = [flat.get(key, UNSET) for flat in flats]
        if len({_comparable(v) for v in values}) > 1:
            differing[key] = values
    return differing


def _comparable(value) -> str | None:
    return None if value is UNSET else json.dumps(value, sort_keys=True)


def parameter_diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(parameter, old value, new value) for each parameter that differs, as display text."""
    return [(key, display(a), display(b)) for key, (a, b) in differing_parameters([old, new]).items()]
