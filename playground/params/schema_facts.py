"""Reads ranges, enums, defaults and deprecation flags of request options from the bundled schema.

The registry takes its numbers from here so they cannot drift from the spec.
"""

from playground.spec.validators import bundle, request_properties


def _deref(schema: dict) -> dict:
    defs = bundle()["$defs"]
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_null(schema: dict) -> bool:
    return _deref(schema).get("type") == "null"


def value_schema(schema: dict) -> dict:
    """The schema of an option's non-null value: follows $ref and unwraps `X or null` unions."""
    schema = _deref(schema)
    for union in ("anyOf", "oneOf"):
        branches = [b for b in schema.get(union, []) if not _is_null(b)]
        if len(branches) == 1:
            return value_schema(branches[0])
    return schema


def _branches(schema: dict) -> list[dict]:
    """The schema itself plus every branch of its unions, dereferenced, recursively."""
    schema = value_schema(schema)
    out = [schema]
    for union in ("anyOf", "oneOf"):
        for branch in schema.get(union, []):
            if not _is_null(branch):
                out.extend(_branches(branch))
    return out


def enums_of(schema: dict) -> tuple[str, ...]:
    """Every string enum value the schema (or any branch of it) allows, in schema order."""
    seen: dict[str, None] = {}
    for branch in _branches(schema):
        for value in branch.get("enum", []):
            if isinstance(value, str):
                seen[value] = None
    return tuple(seen)


def _first(schema: dict, key: str):
    for branch in [schema, _deref(schema), *_branches(schema)]:
        if key in branch:
            return branch[key]
    return None


def prop(name: str) -> dict:
    """The raw schema of one top-level request property."""
    return request_properties()[name]


def facts(name: str) -> dict:
    """Range, enum, default, length and deprecation of a top-level property, as the schema says."""
    raw = prop(name)
    value = value_schema(raw)
    item_enums = enums_of(value["items"]) if "items" in value else ()
    return {
        "minimum": _first(raw, "minimum"),
        "maximum": _first(raw, "maximum"),
        "max_length": _first(raw, "maxLength"),
        "max_items": _first(raw, "maxItems"),
        "choices": enums_of(raw) or item_enums,
        "default": _first(raw, "default"),
        "deprecated": bool(raw.get("deprecated") or value.get("deprecated")),
    }


def enum_at(name: str, *path: str) -> tuple[str, ...]:
    """The enum of a nested field, e.g. enum_at("audio", "format")."""
    schema = value_schema(prop(name))
    for segment in path:
        schema = value_schema(schema["properties"][segment])
    return enums_of(schema)
