"""Checks: what each kind needs (its config, checked like any input) and how it judges a cell's answer.

A result is {"passed": true | false | null, "score": number (similarity), "detail": words}; null
means the check could not judge (no expected answer, no price for the model) and leaves the cell's
pass rate alone. A run that failed fails every check: an error is not a pass.

The model-graded check is the one that needs a run of its own: `grader_body` builds the request
(a rubric, the case and the answer, asking for a JSON verdict) and `verdict` reads the answer.
"""

import json
import math
import re as stdlib_re
from collections import Counter
from decimal import Decimal, InvalidOperation

import regex
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from playground.params.templating import find_variables, fill_text
from playground.runs.branches import message_text

from .models import Check, CheckKind

REGEX_TIMEOUT = 0.5  # seconds: a pattern that backtracks without end is stopped, not the server
MAX_PATTERN = 1000
MAX_TEXT = 200
MAX_RUBRIC = 8000
MAX_SCHEMA = 20_000
WORD = stdlib_re.compile(r"\w+", stdlib_re.UNICODE)
FENCE = stdlib_re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n\s*```\s*$", stdlib_re.DOTALL)
VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["pass", "fail"]}, "reason": {"type": "string"}},
    "required": ["verdict", "reason"],
    "additionalProperties": False,
}
GRADER_SYSTEM = (
    "You grade one answer of an AI model against a rubric. Read the case, the answer and the rubric, "
    "then reply with only a JSON object: {\"verdict\": \"pass\" or \"fail\", \"reason\": one or two sentences}."
)


class ConfigProblem(ValueError):
    """A check's settings are unusable; `errors` by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def result(passed, detail: str = "", score: float | None = None) -> dict:
    data = {"passed": passed, "detail": detail}
    if score is not None:
        data["score"] = round(score, 4)
    return data


# Config


def _number(data, name, errors, *, minimum=0.0, maximum=None, integer=False):
    raw = str(data.get(name, "")).strip()
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        errors[name] = "Enter a whole number." if integer else "Enter a number."
        return None
    if not math.isfinite(value) or value < minimum or (maximum is not None and value > maximum):
        errors[name] = f"Enter a number from {minimum:g}{f' to {maximum:g}' if maximum is not None else ' up'}."
        return None
    return value


def _flag(data, name) -> bool:
    return str(data.get(name, "")).lower() in ("1", "true", "on", "yes")


def clean_config(kind: str, data) -> dict:
    """The config of a check of `kind` from submitted fields; raises ConfigProblem."""
    errors: dict[str, str] = {}
    config: dict = {}
    if kind in (CheckKind.CONTAINS, CheckKind.NOT_CONTAINS):
        text = str(data.get("text", ""))
        if not text or len(text) > MAX_TEXT:
            errors["text"] = f"Enter the text to look for (at most {MAX_TEXT} characters)."
        config = {"text": text, "case_sensitive": _flag(data, "case_sensitive")}
    elif kind == CheckKind.REGEX:
        pattern = str(data.get("pattern", ""))
        try:
            if not pattern or len(pattern) > MAX_PATTERN:
                raise regex.error(f"enter a pattern of at most {MAX_PATTERN} characters")
            regex.compile(pattern)
        except regex.error as error:
            errors["pattern"] = f"Not a regular expression: {error}."
        config = {"pattern": pattern, "case_sensitive": _flag(data, "case_sensitive")}
    elif kind == CheckKind.EQUALS:
        config = {"case_sensitive": _flag(data, "case_sensitive"), "trim": not _flag(data, "exact_whitespace")}
    elif kind == CheckKind.SIMILARITY:
        config = {"threshold": _number(data, "threshold", errors, maximum=1.0)}
    elif kind == CheckKind.VALID_JSON:
        config = {"allow_fence": not _flag(data, "strict")}
    elif kind == CheckKind.JSON_SCHEMA:
        raw = str(data.get("schema", ""))
        try:
            if len(raw) > MAX_SCHEMA:
                raise ValueError(f"at most {MAX_SCHEMA} characters")
            schema = json.loads(raw)
            if not isinstance(schema, dict):
                raise ValueError("a JSON Schema is an object")
            Draft202012Validator.check_schema(schema)
        except (ValueError, SchemaError) as error:
            errors["schema"] = f"Not a usable JSON Schema: {getattr(error, 'message', error)}."
            schema = None
        config = {"schema": schema, "allow_fence": not _flag(data, "strict")}
    elif kind == CheckKind.LATENCY:
        metric = str(data.get("metric", "ttft"))
        if metric not in ("ttft", "total"):
            errors["metric"] = "Choose time to first token or total time."
        config = {"metric": metric, "ms": _number(data, "ms", errors, minimum=1, integer=True)}
    elif kind == CheckKind.TOKENS:
        config = {"max": _number(data, "max", errors, minimum=1, integer=True)}
    elif kind == CheckKind.COST:
        raw = str(data.get("max", "")).strip()
        try:
            value = Decimal(raw)
            if not value.is_finite() or value <= 0:
                raise InvalidOperation
            config = {"max": str(value)}
        except InvalidOperation:
            errors["max"] = "Enter a cost above 0, in the currency of the workspace's prices."
    elif kind == CheckKind.MODEL_GRADED:
        rubric = str(data.get("rubric", "")).strip()
        if not rubric or len(rubric) > MAX_RUBRIC:
            errors["rubric"] = f"Write the rubric the grader applies (at most {MAX_RUBRIC} characters)."
        provider, model = str(data.get("provider", "")).strip(), str(data.get("model", "")).strip()
        if not provider:
            errors["provider"] = "Choose the grader's provider."
        if not model:
            errors["model"] = "Enter the grader's model."
        config = {"rubric": rubric, "provider": provider, "model": model[:200]}
    else:
        errors["kind"] = "Choose a kind of check."
    if errors:
        raise ConfigProblem(errors)
    return config


def describe(kind: str, config: dict) -> str:
    """A short sentence of what a check of this kind and config does."""
    return Check(kind=kind, config=config).describe()


# Judging


def _folded(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def _json_of(answer: str, allow_fence: bool):
    text = answer.strip()
    if allow_fence and (fenced := FENCE.match(text)):
        text = fenced.group(1)
    return json.loads(text)


def similarity(a: str, b: str) -> float:
    """Cosine similarity of the two texts' word counts (case-folded): 1 for the same words, 0 for none shared."""
    left, right = Counter(WORD.findall(a.casefold())), Counter(WORD.findall(b.casefold()))
    if not left or not right:
        return 1.0 if not left and not right else 0.0
    dot = sum(count * right[word] for word, count in left.items())
    return dot / (math.sqrt(sum(c * c for c in left.values())) * math.sqrt(sum(c * c for c in right.values())))


def judge(kind: str, config: dict, *, answer: str, expected: str | None, run) -> dict:
    """The result of one check (not model-graded) on a completed run's answer."""
    if kind in (CheckKind.CONTAINS, CheckKind.NOT_CONTAINS):
        found = _folded(config["text"], config.get("case_sensitive")) in _folded(answer, config.get("case_sensitive"))
        passed = found if kind == CheckKind.CONTAINS else not found
        return result(passed, "found" if found else "not found")
    if kind == CheckKind.REGEX:
        flags = 0 if config.get("case_sensitive") else regex.IGNORECASE
        try:
            match = regex.search(config["pattern"], answer, flags=flags, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            return result(None, f"the pattern took longer than {REGEX_TIMEOUT} s on this answer")
        return result(match is not None, f"matched “{match.group(0)[:60]}”" if match else "no match")
    if kind in (CheckKind.EQUALS, CheckKind.SIMILARITY) and expected is None:
        return result(None, "this row has no expected answer")
    if kind == CheckKind.EQUALS:
        left, right = (answer.strip(), expected.strip()) if config.get("trim", True) else (answer, expected)
        equal = _folded(left, config.get("case_sensitive")) == _folded(right, config.get("case_sensitive"))
        return result(equal, "equal" if equal else "differs from expected")
    if kind == CheckKind.SIMILARITY:
        score = similarity(answer, expected)
        return result(score >= float(config["threshold"]), f"similarity {score:.2f}", score=score)
    if kind in (CheckKind.VALID_JSON, CheckKind.JSON_SCHEMA):
        try:
            value = _json_of(answer, config.get("allow_fence", True))
        except ValueError as error:
            return result(False, f"not JSON: {error}")
        if kind == CheckKind.VALID_JSON:
            return result(True, "valid JSON")
        problem = next(iter(Draft202012Validator(config["schema"]).iter_errors(value)), None)
        if problem is None:
            return result(True, "valid against the schema")
        where = "/".join(str(part) for part in problem.absolute_path) or "the top level"
        return result(False, f"at {where}: {problem.message[:200]}")
    if kind == CheckKind.LATENCY:
        seconds = run.time_to_first_token if config.get("metric") == "ttft" else run.total_time
        if seconds is None:
            return result(None, "no timing recorded")
        ms = seconds * 1000
        return result(ms < config["ms"], f"{ms:.0f} ms", score=ms)
    if kind == CheckKind.TOKENS:
        if run.output_tokens is None:
            return result(None, "no token count")
        return result(run.output_tokens < config["max"], f"{run.output_tokens} tokens", score=run.output_tokens)
    if kind == CheckKind.COST:
        if run.cost is None:
            return result(None, "no price for this model (set one under Prices)")
        return result(run.cost < Decimal(config["max"]), f"{run.cost:.6f}", score=float(run.cost))
    return result(None, f"unknown check {kind}")


# The model-graded check


def grader_body(config: dict, *, request: dict, answer: str, expected: str | None) -> dict:
    """The request sent to the grader: the rubric, the case (the answered request's last prompt),
    the answer and, when the row has one, the expected answer; a JSON verdict asked for."""
    prompt = next((message_text(m) for m in reversed(request.get("messages", [])) if m.get("role") == "user"), "")
    parts = [f"Rubric:\n{config['rubric']}", f"Case (the prompt the model answered):\n{prompt}", f"Answer:\n{answer}"]
    if expected is not None:
        parts.append(f"Expected answer:\n{expected}")
    parts.append('Reply with only a JSON object: {"verdict": "pass" or "fail", "reason": "…"}.')
    return {
        "model": config["model"],
        "messages": [{"role": "system", "content": GRADER_SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}],
        "stream": True,
        "temperature": 0,
        "response_format": {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True, "schema": VERDICT_SCHEMA}},
    }


def verdict(text: str) -> dict:
    """The grader's answer as a result: its JSON verdict, else a leading PASS / FAIL word."""
    try:
        data = _json_of(text, True)
        if isinstance(data, dict) and str(data.get("verdict", "")).lower() in ("pass", "fail"):
            return result(str(data["verdict"]).lower() == "pass", str(data.get("reason") or "")[:500])
    except ValueError:
        pass
    word = stdlib_re.match(r"\W*(pass|fail)\b\W*(.*)", text or "", stdlib_re.IGNORECASE | stdlib_re.DOTALL)
    if word:
        return result(word.group(1).lower() == "pass", word.group(2).strip()[:500])
    return result(None, f"the grader did not answer pass or fail: “{(text or '')[:120]}”")


def overall(results: dict, keys: list[str]) -> bool | None:
    """Every check passed: False if any failed, None while one is missing or none could judge."""
    values = [results.get(key, {}).get("passed", "missing") for key in keys]
    if not values or "missing" in values:
        return None
    if False in values:
        return False
    return True if True in values else None


def template_variables(template: list) -> list[str]:
    return find_variables(template)


def fill_preview(text: str, values: dict) -> str:
    """Text with the row's values in, and a missing one left as its placeholder (for display only)."""
    names = {name: values.get(name, f"{{{{{name}}}}}") for name in find_variables([{"content": text}])}
    return fill_text(text, names)
