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


class JSONRefused(ValueError):
    """JSON that parses in Python but is refused here; str() says why, in words for the user."""


def loads(text: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH):
    """json.loads for user input. Raises json.JSONDecodeError (malformed), JSONRefused (NaN,
    Infinity, nested deeper than `max_depth`, numbers too long), or UnicodeDecodeError (bytes
    that are not UTF-8); all are ValueErrors."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    check_depth(text, max_depth)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError:
        raise
    except ValueError as error:
        if isinstance(error, JSONRefused):
            raise
        # int() refuses numbers of more than 4300 digits (CVE-2020-10735).
        raise JSONRefused(f"A number in this JSON is too long ({error}).") from None


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
        raise JSONRefused(f"This JSON is nested {depth} levels deep; at most {max_depth} levels are accepted.")


def _refuse_constant(name: str):
    raise JSONRefused(f"{name} is not a number JSON allows; use a finite number (or null).")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused(f"{text} is too large to be a number here; use a finite number.")
    return value
