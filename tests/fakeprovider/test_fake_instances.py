"""The JSON Schema instance builder behind structured outputs and tool arguments."""

import random

from jsonschema import Draft202012Validator

from playground.fakeprovider.instances import build_instance

TREE = {
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
            "required": ["label", "children"],
        }
    },
    "$ref": "#/$defs/node",
}


def test_it_builds_valid_instances_of_a_recursive_schema():
    Draft202012Validator(TREE).validate(build_instance(TREE, random.Random(1)))


def test_it_honours_bounds_lengths_formats_and_combinators():
    schema = {
        "type": "object",
        "properties": {
            "even": {"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 2},
            "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "code": {"type": "string", "minLength": 8, "maxLength": 8},
            "when": {"type": "string", "format": "date-time"},
            "either": {"anyOf": [{"type": "null"}, {"type": "integer", "maximum": -5}]},
            "both": {"allOf": [{"properties": {"a": {"const": 1}}, "required": ["a"]}, {"required": ["b"]}]},
            "unique": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 2, "uniqueItems": True},
        },
    }
    for seed in range(20):
        Draft202012Validator(schema).validate(build_instance(schema, random.Random(seed)))


def test_it_gives_the_same_instance_for_the_same_seed():
    assert build_instance(TREE, random.Random(4)) == build_instance(TREE, random.Random(4))
