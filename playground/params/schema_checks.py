"""Checks the JSON Schemas a user writes inside a request: response_format's schema and tool
parameters. They must be valid JSON Schema, and in strict mode follow Structured Outputs' rules.
"""

from collections.abc import Iterator
from functools import cache

from jsonschema import Draft202012Validator

from playground.params.schema_errors import explain

# Keywords whose value is one subschema, a map of subschemas, or a list of subschemas.
_ONE = ("items", "additionalProperties", "not", "contains", "if", "then", "else")
_MAP = ("properties", "$defs", "definitions", "patternProperties")
_LIST = ("anyOf", "oneOf", "allOf", "prefixItems")


def _where(base: str, path) -> str:
    return base + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


@cache
def _metaschema_validator() -> Draft202012Validator:
    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def invalid_schema(schema, where: str) -> list[str]:
    """A message if `schema` is not a valid JSON Schema (Draft 2020-12), else nothing."""
    # The same check as Draft202012Validator.check_schema, but explained like request errors.
    error = next(_metaschema_validator().iter_errors(schema), None)
    if error is None:
        return []
    below, predicate = explain(error)
    path = [*error.absolute_path, *below]
    return [f"{_where(where, path)} {predicate} (not a valid JSON Schema)."]


def _is_object_schema(node: dict) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in node


def _subschemas(node: dict) -> Iterator[tuple[list, dict]]:
    for key in _ONE:
        if isinstance(node.get(key), dict):
            yield [key], node[key]
    for key in _MAP:
        if isinstance(node.get(key), dict):
            for name, child in node[key].items():
                if isinstance(child, dict):
                    yield [key, name], child
    for key in _LIST:
        if isinstance(node.get(key), list):
            for index, child in enumerate(node[key]):
                if isinstance(child, dict):
                    yield [key, index], child


def _object_problems(node: dict) -> list[str]:
    problems = []
    required = node.get("required", [])
    missing = [name for name in node.get("properties", {}) if name not in required]
    if missing:
        problems.append("must list every property in required (missing: " + ", ".join(missing) + ")")
    if node.get("additionalProperties") is not False:
        problems.append("must set additionalProperties to false")
    return problems


def strict_mode_problems(schema, where: str) -> list[str]:
    """Strict mode needs every object to require all its properties and forbid extra ones."""
    messages = []
    pending = [([], schema)]
    while pending:
        path, node = pending.pop(0)
        if not isinstance(node, dict):
            continue
        if _is_object_schema(node):
            place = _where(where, path)
            messages += [f"In strict mode, {place} {problem}." for problem in _object_problems(node)]
        pending += [(path + sub_path, child) for sub_path, child in _subschemas(node)]
    return messages


def user_schema_problems(schema, where: str, *, strict: bool) -> list[str]:
    """Everything wrong with a user-written schema; strict rules only when it is valid at all."""
    invalid = invalid_schema(schema, where)
    if invalid or not strict:
        return invalid
    return strict_mode_problems(schema, where)
