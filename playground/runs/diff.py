"""The diff page's two halves: answers word by word, requests parameter by parameter."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .differences import differing

# Words, single punctuation marks and runs of whitespace: joining the tokens gives the text back.
TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


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


def parameter_diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """(parameter, old value, new value) for each parameter that differs, as display text."""
    return [(difference.key, *difference.shown) for difference in differing([old, new])]
