"""Builds a JSON value that satisfies a simple JSON Schema: fake structured outputs and tool arguments.

Covers what structured outputs and function parameters use in practice: objects (every property),
arrays, enum, const, anyOf/oneOf/allOf, local $refs, strings with common formats and lengths,
bounded numbers and integers, booleans and null. `pattern` is not honoured.
"""

import random

# Past this depth a recursive schema gets only what it requires, so building always ends.
MAX_DEPTH = 6
WORDS = ("alpha", "bravo", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper")
FORMATS = {
    "date-time": "2024-05-17T09:30:00Z",
    "date": "2024-05-17",
    "time": "09:30:00Z",
    "email": "someone@example.com",
    "uri": "https://example.com/item",
    "url": "https://example.com/item",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
    "ipv4": "192.0.2.1",
    "hostname": "example.com",
}


def build_instance(schema: dict, rng: random.Random) -> object:
    """A value valid against `schema`, whose local `$ref`s resolve against `schema` itself."""
    return _InstanceBuilder(schema, rng).build(schema, 0)


class _InstanceBuilder:
    def __init__(self, root: dict, rng: random.Random):
        self.root = root
        self.rng = rng

    def build(self, schema, depth: int):
        if schema is True or not schema:
            return self.rng.choice(WORDS)
        if "$ref" in schema:
            return self.build(self._resolve(schema["$ref"]), depth + 1)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.rng.choice(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self.build(self._pick_option(schema[key], depth), depth + 1)
        if "allOf" in schema:
            return self.build(_merge_all_of(schema), depth + 1)
        return getattr(self, f"_{self._kind(schema, depth)}")(schema, depth)

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        node = self.root
        for part in filter(None, ref[1:].split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    @staticmethod
    def _pick_option(options: list, depth: int):
        not_null = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        if depth >= MAX_DEPTH and len(not_null) < len(options) or not not_null:
            return {"type": "null"}
        return not_null[0]

    @staticmethod
    def _kind(schema: dict, depth: int) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            if "null" in kind and (depth >= MAX_DEPTH or len(kind) == 1):
                return "null"
            kind = next(k for k in kind if k != "null")
        if kind is None:
            return "object" if "properties" in schema else "array" if "items" in schema else "string"
        return kind

    def _object(self, schema: dict, depth: int) -> dict:
        properties = schema.get("properties", {})
        required = schema.get("required", [])
        names = required if depth >= MAX_DEPTH else list(dict.fromkeys([*properties, *required]))
        return {name: self.build(properties.get(name, {}), depth + 1) for name in names}

    def _array(self, schema: dict, depth: int) -> list:
        prefix = schema.get("prefixItems", [])
        minimum = schema.get("minItems", 0)
        wanted = minimum if depth >= MAX_DEPTH else max(minimum, min(schema.get("maxItems", 2), 2))
        values = [self.build(item, depth + 1) for item in prefix[:wanted]]
        item_schema = schema.get("items", {})
        attempts = 0
        while len(values) < wanted and attempts < wanted * 10:
            attempts += 1
            value = self.build(item_schema, depth + 1)
            if not schema.get("uniqueItems") or value not in values:
                values.append(value)
        return values

    def _string(self, schema: dict, depth: int) -> str:
        if schema.get("format") in FORMATS:
            return FORMATS[schema["format"]]
        text = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(1, 3)))
        text = text.ljust(schema.get("minLength", 0), "x")
        return text[: schema.get("maxLength", len(text))]

    def _integer(self, schema: dict, depth: int) -> int:
        low, high = _bounds(schema, step=1)
        low, high = int(-(-low // 1)), int(high // 1)
        multiple = schema.get("multipleOf")
        if isinstance(multiple, int) and multiple > 0:
            first = -(-low // multiple) * multiple
            return first if first <= high else low
        return self.rng.randint(low, high) if low <= high else low

    def _number(self, schema: dict, depth: int) -> float:
        low, high = _bounds(schema, step=0)
        value = round(low + (high - low) * (0.1 + 0.8 * self.rng.random()), 2)
        return value if _within(value, schema) else (low + high) / 2

    def _boolean(self, schema: dict, depth: int) -> bool:
        return self.rng.random() < 0.5

    def _null(self, schema: dict, depth: int) -> None:
        return None


def _bounds(schema: dict, step: int) -> tuple[float, float]:
    """Inclusive (low, high) from minimum/maximum and their exclusive forms; 100 wide if open."""
    low = schema.get("minimum")
    high = schema.get("maximum")
    if "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + step
    if "exclusiveMaximum" in schema:
        high = schema["exclusiveMaximum"] - step
    if low is None and high is None:
        return 0, 100
    if low is None:
        return high - 100, high
    if high is None:
        return low, low + 100
    return low, high


def _within(value: float, schema: dict) -> bool:
    return (
        value >= schema.get("minimum", value)
        and value <= schema.get("maximum", value)
        and value > schema.get("exclusiveMinimum", value - 1)
        and value < schema.get("exclusiveMaximum", value + 1)
    )


def _merge_all_of(schema: dict) -> dict:
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema["allOf"]:
        merged.setdefault("properties", {}).update(part.get("properties", {}))
        merged["required"] = [*merged.get("required", []), *part.get("required", [])]
        merged.update({k: v for k, v in part.items() if k not in ("properties", "required")})
    return merged
