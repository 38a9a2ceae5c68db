"""The one JSON parser for what users send: refuses NaN/Infinity and deep nesting with a clear message.

Python's json accepts `NaN`, `Infinity` and numbers like `1e999` (which become infinite floats);
PostgreSQL's JSONB and the OpenAI API refuse them, so they would fail later, far from where they
were typed. Deeply nested JSON makes the C parser (and everything that walks the result
recursively: validation, rendering, json.dumps) raise RecursionError. Both are refused here, at
the edge, by every view, form and socket that parses user JSON.
"""

import itertools
import json
import math
import re

# Deeper than any request body or session export needs (a structured-output schema nests a few
# levels; OpenAI allows 10), far below the depth at which the parser would recurse too far.
MAX_DEPTH = 64

# A JSON string, escapes included: its brackets are text, not structure.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_AS_PARENTHESES = str.maketrans("[{]}", "(())")
_DEPTH_STEP = {"(": 1, ")": -1}
# Strings (skipped whole) and brackets, in order: to find where the nesting goes too deep.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_LONG_NUMBER = re.compile(r"[0-9]{4301,}")


class JSONRefused(json.JSONDecodeError):
    """JSON that Python would parse but this app refuses; `msg` says why in words for the user, and
    like any JSONDecodeError it has `lineno` and `colno` (where the refused part starts)."""


def loads(text: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH):
    """json.loads for user input. Raises json.JSONDecodeError for malformed JSON and its subclass
    JSONRefused for NaN, Infinity, numbers that overflow or run past 4300 digits, and nesting
    deeper than `max_depth`; UnicodeDecodeError for bytes that are not UTF-8. All are ValueErrors."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    check_depth(text, max_depth)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _Refused as refused:
        raise JSONRefused(refused.message, text, _position(text, refused.word)) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # int() refuses numbers of more than 4300 digits (CVE-2020-10735)
        long_number = _LONG_NUMBER.search(text)
        raise JSONRefused("a number here has more than 4300 digits", text, long_number.start() if long_number else 0) from None


def explain(error: json.JSONDecodeError) -> str:
    """A malformed or refused JSON text, in a sentence for the user."""
    return f"Invalid JSON on line {error.lineno}, column {error.colno}: {error.msg}."


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise JSONRefused when `text` nests arrays/objects deeper than `max_depth`, without recursing."""
    # Fast path: too few brackets to be too deep, whatever their order.
    if text.count("[") + text.count("{") <= max_depth:
        return
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_AS_PARENTHESES)
    # Each pass removes the innermost level of every nest, so well-formed nesting no deeper than
    # max_depth is gone after max_depth passes (str.replace runs in C: fast on megabytes).
    rest = brackets
    for _ in range(max_depth):
        rest = rest.replace("()", "")
        if not rest:
            return
    # Too deep, or unbalanced (malformed JSON, for the parser to report): measure it exactly.
    depth = max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)
    if depth > max_depth:
        message = f"this JSON is nested {depth} levels deep; at most {max_depth} levels are accepted"
        raise JSONRefused(message, text, _too_deep_at(text, max_depth))


class _Refused(ValueError):
    def __init__(self, word: str, message: str):
        super().__init__(message)
        self.word, self.message = word, message


def _refuse_constant(name: str):
    # Python reads NaN and Infinity; JSON itself (PostgreSQL, every provider) does not.
    raise _Refused(name, f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(text, f"{text} is too large for a number")
    return value


def _position(text: str, word: str) -> int:
    # The decoder does not say where a hook refused; the first such word outside a string is the
    # best guess.
    found = re.search(rf"(?<![\w\"]){re.escape(word)}(?![\w\"])", text)
    return found.start() if found else 0


def _too_deep_at(text: str, max_depth: int) -> int:
    """Where the nesting first goes past max_depth (only on the error path: this loop is slow)."""
    depth = 0
    for token in _TOKEN.finditer(text):
        if token[0] in "[{":
            depth += 1
            if depth > max_depth:
                return token.start()
        elif token[0] in "]}":
            depth -= 1
    return 0
