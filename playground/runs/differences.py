"""Which parameters differ between requests: the one answer used by the compare header, the
column tabs, the diff page and the experiment grid.

Nested objects are compared key by key (`response_format.json_schema.name`); lists are whole
values. Messages are the conversation, not a setting, and are left out. Labels come from the
parameter registry.
"""

import json
from dataclasses import dataclass

from playground.params.registry import BY_NAME

NOT_PARAMETERS = ("messages",)
UNSET_TEXT = "unset"


class _Unset:
    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


@dataclass(frozen=True)
class Difference:
    key: str  # the dotted path: "temperature", "response_format.json_schema.name"
    label: str  # for people: "Temperature", "Response format › json_schema.name"
    values: tuple  # the raw value per request, UNSET where a request leaves it out

    @property
    def shown(self) -> list[str]:
        return [display(value) for value in self.values]

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "values": self.shown}


def flatten(body: dict, prefix: str = "") -> dict:
    """Nested objects as dotted keys; lists stay whole values; messages left out."""
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


def label(key: str) -> str:
    """A dotted key as people read it: the registry's label of its option, then the inner path."""
    top, _, rest = key.partition(".")
    param = BY_NAME.get(top)
    name = param.label if param else top
    return f"{name} › {rest}" if rest else name


def display(value) -> str:
    if value is UNSET:
        return UNSET_TEXT
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _comparable(value) -> str | None:
    return None if value is UNSET else json.dumps(value, sort_keys=True)


def differing(requests: list[dict]) -> list[Difference]:
    """The parameters whose values are not the same in every request, in key order."""
    flats = [flatten(request or {}) for request in requests]
    keys = sorted({key for flat in flats for key in flat})
    found = []
    for key in keys:
        values = tuple(flat.get(key, UNSET) for flat in flats)
        if len({_comparable(value) for value in values}) > 1:
            found.append(Difference(key, label(key), values))
    return found


def as_rows(requests: list[dict]) -> list[dict]:
    """`differing` as plain data for a frame or a template: key, label and the shown values."""
    return [difference.as_dict() for difference in differing(requests)]
