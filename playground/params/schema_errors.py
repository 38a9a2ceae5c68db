"""Runs the request schema and rewrites its errors as sentences a person can act on.

jsonschema reports a failed `oneOf` as "not valid under any of the given schemas"; here the branch
the value was meant for (by its `role`/`type` discriminator, or by its JSON type) is picked and its
own error is described instead.
"""

import re
from collections import defaultdict
from collections.abc import Iterator

from jsonschema import ValidationError

from playground.params.registry import BY_NAME
from playground.spec.validators import REQUEST, validator

ALL = "__all__"
_DISCRIMINATORS = ("role", "type")
_TYPE_WORDS = {
    "number": "a number",
    "integer": "a whole number",
    "string": "text",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a list",
}
_REQUIRED = re.compile(r"^'([^']+)' is a required property")


def _rejects_branch(error: ValidationError) -> bool:
    """True when the error shows the value was never meant for this branch of a union."""
    wrong_type = error.validator == "type" and not error.relative_path
    wrong_tag = (
        error.validator in ("enum", "const")
        and len(error.relative_path) == 1
        and error.relative_path[0] in _DISCRIMINATORS
    )
    return wrong_type or wrong_tag


def _type_words(types) -> str:
    names = [types] if isinstance(types, str) else list(types)
    words = [_TYPE_WORDS[name] for name in names if name in _TYPE_WORDS]
    return " or ".join(words) or "a different kind of value"


def _no_branch_fits(errors: list[ValidationError]) -> tuple[list, str]:
    """Every branch rejected the value outright: say what it should have been."""
    tags = [e for e in errors if e.validator in ("enum", "const") and e.relative_path]
    if tags:
        allowed = [value for e in tags for value in _as_list(e.validator_value)]
        field = tags[0].relative_path[0]
        return [field], "must be one of: " + ", ".join(map(str, allowed))
    types = [t for e in errors if e.validator == "type" for t in _as_list(e.validator_value)]
    return [], "must be " + _type_words([t for t in types if t != "null"])


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def explain(error: ValidationError) -> tuple[list, str]:
    """(path below the error, predicate) for the most useful explanation of an error."""
    if not error.context:
        return [], _predicate(error)
    by_branch: dict[int, list[ValidationError]] = defaultdict(list)
    for child in error.context:
        by_branch[child.relative_schema_path[0]].append(child)
    fitting = [errs for errs in by_branch.values() if not any(map(_rejects_branch, errs))]
    if not fitting:
        return _no_branch_fits(list(error.context))
    chosen = min(fitting, key=len)
    child = max(chosen, key=lambda e: len(e.relative_path))
    below, predicate = explain(child)
    return [*child.relative_path, *below], predicate


def _predicate(error: ValidationError) -> str:
    value = error.validator_value
    match error.validator:
        case "minimum":
            return f"must be at least {value}"
        case "maximum":
            return f"must be at most {value}"
        case "enum":
            return "must be one of: " + ", ".join(map(str, value))
        case "type":
            return "must be " + _type_words(value)
        case "required":
            found = _REQUIRED.match(error.message)
            return f"is missing {found[1] if found else 'a required field'}"
        case "minItems":
            return "must not be empty" if value == 1 else f"needs at least {value} items"
        case "maxItems":
            return f"can have at most {value} items"
        case "maxLength":
            return f"must be at most {value} characters"
        case "minLength":
            return f"must be at least {value} characters"
    return error.message


def _path_text(path: list) -> str:
    head, *rest = path
    text = str(head)
    for part in rest:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _sentence(path: list, predicate: str) -> str:
    if len(path) == 1 and path[0] in BY_NAME:
        subject = BY_NAME[path[0]].label
    else:
        subject = _path_text(path)
    return f"{subject} {predicate}."


def _root_required(error: ValidationError) -> tuple[str, str]:
    found = _REQUIRED.match(error.message)
    if not found:
        return ALL, error.message
    name = found[1]
    label = BY_NAME[name].label if name in BY_NAME else name
    return name, f"{label} is required."


def _skipped(error: ValidationError) -> bool:
    # top_logprobs: null fails only through a quirk of the spec (see rules.top_logprobs_rules),
    # which gives the user a better message.
    return list(error.absolute_path) == ["top_logprobs"] and error.instance is None


def schema_errors(body) -> Iterator[tuple[str, str]]:
    """(top-level key, message) for every schema error of a request body."""
    for error in validator(REQUEST).iter_errors(body):
        path = list(error.absolute_path)
        if _skipped(error):
            continue
        if not path and error.validator == "required":
            yield _root_required(error)
        elif not path:
            yield ALL, "The request body " + _predicate(error) + "."
        else:
            below, predicate = explain(error)
            yield str(path[0]), _sentence(path + below, predicate)
