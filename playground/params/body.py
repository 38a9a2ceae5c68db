"""Turns the parameter panel's submitted fields into a request-body fragment, and a body back
into field values (to fill the panel from a pasted request).

Each field is named exactly like its API parameter. An empty field means "unset": the option is
left out of the body, so the provider applies its own default. JSON `null` counts as unset too.
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

# The one parser of user JSON (refuses NaN, Infinity, deep nesting) and its message; views use them from here.
from playground.jsonsafe import explain as json_error_message
from playground.jsonsafe import loads
from playground.params.registry import BY_NAME, JSON_KINDS, PARAMS, Param

FormErrors = dict[str, list[str]]

_UNSET = object()

# Escapes a user can type in a one-line stop field to mean an invisible character.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
_ESCAPE_PATTERN = re.compile(r"\\(.)", re.DOTALL)


class FieldError(ValueError):
    """A value that cannot be turned into the option's type; the message is for the user."""


def decode_escapes(text: str) -> str:
    r"""Turn typed `\n`, `\t`, `\r` and `\\` into the characters; other backslashes stay."""
    return _ESCAPE_PATTERN.sub(lambda match: _ESCAPES.get(match[1], match[0]), text)


def encode_escapes(text: str) -> str:
    """The inverse of decode_escapes: make invisible characters typeable again."""
    text = text.replace("\\", "\\\\")
    return text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _values(data: Mapping, name: str) -> list[str]:
    """All values posted for a field, from a QueryDict or a plain dict (websocket JSON)."""
    if hasattr(data, "getlist"):
        return [str(value) for value in data.getlist(name)]
    value = data.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def _single(data: Mapping, name: str) -> str:
    values = _values(data, name)
    return values[-1].strip() if values else ""


def _parse_json(text: str) -> Any:
    try:
        value = loads(text)
    except json.JSONDecodeError as error:
        raise FieldError(json_error_message(error)) from None
    return _UNSET if value is None else value


# What a number field accepts, once for every way in (the panel, View code, a run, a preset): the
# numbers an HTML number input produces (digits, an optional fraction, an optional exponent; ".5"
# too). Python's float() and int() alone would also take "1_000", " inf", "٣" or "+1"; JSON would
# refuse ".5". A whole number typed stays a whole number ("1" is sent as 1, "1.0" as 1.0), so the
# body is what the user wrote.
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_WHOLE = re.compile(r"-?[0-9]+")


def parse_number(raw: str) -> int | float:
    """A typed number as JSON will carry it; raises FieldError with the message for the user."""
    if _WHOLE.fullmatch(raw):
        return int(raw)
    if not _NUMBER.fullmatch(raw):
        raise FieldError("Enter a number.")
    value = float(raw)
    if not math.isfinite(value):
        raise FieldError("Enter a finite number.")
    return value


def parse_whole_number(raw: str) -> int:
    if not _WHOLE.fullmatch(raw):
        raise FieldError("Enter a whole number.")
    return int(raw)


def _parse_float(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name)
    return parse_number(raw) if raw else _UNSET


def _parse_int(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name)
    return parse_whole_number(raw) if raw else _UNSET


def _parse_bool(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name).lower()
    if not raw:
        return _UNSET
    if raw not in ("true", "false"):
        raise FieldError("Choose on, off or unset.")
    return raw == "true"


def _parse_text(param: Param, data: Mapping) -> Any:
    return _single(data, param.name) or _UNSET


def _parse_enum(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name)
    if not raw:
        return _UNSET
    if raw not in param.choices:
        raise FieldError(f"Choose one of: {', '.join(param.choices)}.")
    return raw


def _parse_multi_enum(param: Param, data: Mapping) -> Any:
    picked = [value for value in _values(data, param.name) if value]
    unknown = [value for value in picked if value not in param.choices]
    if unknown:
        raise FieldError(f"Unknown choice {unknown[0]!r}; choose from: {', '.join(param.choices)}.")
    return picked or _UNSET


def _parse_stop(param: Param, data: Mapping) -> Any:
    # Stop strings are not stripped: a lone space or newline is a legitimate stop sequence.
    sequences = [decode_escapes(value) for value in _values(data, param.name) if value]
    return sequences or _UNSET


def _parse_json_field(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name)
    return _parse_json(raw) if raw else _UNSET


def _parse_choice_or_json(param: Param, data: Mapping) -> Any:
    raw = _single(data, param.name)
    if not raw:
        return _UNSET
    if raw in param.choices:
        return raw
    if raw.startswith(("{", "[")):
        return _parse_json(raw)
    raise FieldError(f"Enter {', '.join(param.choices)}, or a JSON object.")


_PARSERS = {
    "float": _parse_float,
    "int": _parse_int,
    "bool": _parse_bool,
    "string": _parse_text,
    "model": _parse_text,
    "enum": _parse_enum,
    "multi_enum": _parse_multi_enum,
    "stop": _parse_stop,
    "choice_or_json": _parse_choice_or_json,
    **{kind: _parse_json_field for kind in JSON_KINDS},
}


def body_from_form(data: Mapping) -> tuple[dict, FormErrors]:
    """The body fragment of every option the user set, and per-field errors for the rest."""
    body: dict = {}
    errors: FormErrors = {}
    for param in PARAMS:
        try:
            value = _PARSERS[param.kind](param, data)
        except FieldError as error:
            errors[param.name] = [str(error)]
            continue
        if value is not _UNSET:
            body[param.name] = value
    return body, errors


def _format_number(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return json.dumps(value)
    return str(value)


def _format_bool(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _format_stop(value: Any) -> list[str]:
    sequences = [value] if isinstance(value, str) else value
    return [encode_escapes(str(sequence)) for sequence in sequences]


def _format_multi(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _format_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _format_choice_or_json(value: Any) -> str:
    # Compact, like the choices the panel offers for a named entry (a select's option values).
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_FORMATTERS = {
    "float": _format_number,
    "int": _format_number,
    "bool": _format_bool,
    "string": str,
    "model": str,
    "enum": str,
    "multi_enum": _format_multi,
    "stop": _format_stop,
    "choice_or_json": _format_choice_or_json,
    **{kind: _format_json for kind in JSON_KINDS},
}


def form_values_from_body(body: Mapping) -> dict[str, str | list[str]]:
    """Panel field values for a request body; null and unknown keys are left out."""
    values: dict[str, str | list[str]] = {}
    for name, value in body.items():
        param = BY_NAME.get(name)
        if param is not None and value is not None:
            values[name] = _FORMATTERS[param.kind](value)
    return values


def field_values(body: Mapping) -> dict[str, list[str]]:
    """The fields a body fills, as {name: [value, …]} (the shape the browser posts back).

    Every panel option is listed, an empty list for those the body leaves unset, so filling the
    panel with these values also clears what the body does not set. `model` and `messages` are
    listed only when the body has them: a preset (no messages) keeps the conversation.
    """
    values = {param.name: [] for param in PARAMS if param.in_panel}
    for name, value in form_values_from_body(body).items():
        values[name] = value if isinstance(value, list) else [value]
    return values


def unknown_parameters(body: Mapping) -> list[str]:
    """Keys of a pasted body that are not Chat Completions parameters (the panel cannot show them)."""
    return [name for name in body if name not in BY_NAME]
