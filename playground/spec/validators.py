"""Cached Draft 2020-12 validators for the entry points of the bundled Chat Completions schema."""

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("chat-completions.schema.json")

REQUEST = "CreateChatCompletionRequest"
RESPONSE = "CreateChatCompletionResponse"
STREAM_CHUNK = "CreateChatCompletionStreamResponse"
ERROR = "ErrorResponse"


@cache
def bundle() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def validator(definition: str) -> Draft202012Validator:
    """A validator for one `$defs` entry, e.g. validator(REQUEST)."""
    wrapper = {"$defs": bundle()["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(wrapper)


def request_properties() -> dict:
    """Every top-level property of CreateChatCompletionRequest, merged across its allOf parts."""
    defs = bundle()["$defs"]
    merged: dict = {}

    def walk(schema: dict) -> None:
        if "$ref" in schema:
            walk(defs[schema["$ref"].rsplit("/", 1)[-1]])
        for part in schema.get("allOf", []):
            walk(part)
        merged.update(schema.get("properties", {}))

    walk(defs[REQUEST])
    return merged


def error_messages(definition: str, instance) -> list[tuple[str, str]]:
    """(json path, message) pairs for every schema error, using the deepest context of oneOf/anyOf."""
    out = []
    for err in sorted(validator(definition).iter_errors(instance), key=lambda e: list(e.path)):
        best = err
        while best.context:
            best = min(best.context, key=lambda e: len(list(e.path)) * -1)
        out.append((err.json_path, best.message))
    return out
