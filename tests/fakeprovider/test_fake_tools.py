"""Tool calls, legacy function calls and structured outputs (JSON mode and json_schema)."""

import json

from jsonschema import Draft202012Validator

from tests.fakeprovider.helpers import chat_body, completion, stream_chunks, streamed_text

WEATHER = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TIME = {"type": "object", "properties": {"zone": {"type": "string", "format": "uuid"}}, "required": ["zone"]}
TOOLS = [
    {"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
    {"type": "function", "function": {"name": "get_time", "parameters": TIME}},
]
REVIEW = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 3, "maxLength": 40},
        "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"enum": ["good", "bad"]}, "minItems": 1},
        "kind": {"const": "review"},
        "author": {"$ref": "#/$defs/person"},
        "note": {"type": ["string", "null"]},
        "published": {"type": "boolean"},
    },
    "required": ["title", "rating", "score", "tags", "kind", "author", "note", "published"],
    "additionalProperties": False,
    "$defs": {
        "person": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
            "required": ["name", "email"],
            "additionalProperties": False,
        }
    },
}


def streamed_calls(chunks: list[dict]) -> dict[int, dict]:
    """Tool-call deltas joined by index, remembering which deltas carried id and name."""
    calls: dict[int, dict] = {}
    for chunk in chunks:
        for part in (p for c in chunk["choices"] for p in c["delta"].get("tool_calls", [])):
            call = calls.setdefault(part["index"], {"ids": [], "names": [], "arguments": "", "pieces": 0})
            call["ids"] += [part["id"]] if "id" in part else []
            call["names"] += [part["function"]["name"]] if "name" in part["function"] else []
            call["arguments"] += part["function"].get("arguments", "")
            call["pieces"] += 1
    return calls


def test_it_streams_two_parallel_tool_calls_whose_arguments_fit_the_schemas(api):
    chunks = stream_chunks(api, chat_body(tools=TOOLS))
    calls = streamed_calls(chunks)

    assert [calls[i]["names"] for i in (0, 1)] == [["get_weather"], ["get_time"]]
    assert all(len(call["ids"]) == 1 and call["pieces"] > 2 for call in calls.values())
    Draft202012Validator(WEATHER).validate(json.loads(calls[0]["arguments"]))
    Draft202012Validator(TIME).validate(json.loads(calls[1]["arguments"]))
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_it_calls_only_the_named_tool_or_one_tool_without_parallel_calls(api):
    named = {"type": "function", "function": {"name": "get_time"}}
    by_name = completion(api, chat_body(tools=TOOLS, tool_choice=named))["choices"][0]
    single = completion(api, chat_body(tools=TOOLS, parallel_tool_calls=False))["choices"][0]

    assert [c["function"]["name"] for c in by_name["message"]["tool_calls"]] == ["get_time"]
    assert [c["function"]["name"] for c in single["message"]["tool_calls"]] == ["get_weather"]
    assert single["finish_reason"] == "tool_calls"
    assert single["message"]["content"] is None


def test_it_answers_in_text_after_a_tool_result_or_with_tool_choice_none(api):
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
    ]
    after_result = completion(api, {"model": "fake-gpt", "messages": messages, "tools": TOOLS})
    with_none = completion(api, chat_body(tools=TOOLS, tool_choice="none"))

    for body in (after_result, with_none):
        assert body["choices"][0]["finish_reason"] == "stop"
        assert body["choices"][0]["message"]["content"]


def test_it_streams_a_legacy_function_call(api):
    functions = [{"name": "get_weather", "parameters": WEATHER}]
    chunks = stream_chunks(api, chat_body(functions=functions))
    parts = [c["delta"]["function_call"] for chunk in chunks for c in chunk["choices"] if "function_call" in c["delta"]]

    assert [p["name"] for p in parts if "name" in p] == ["get_weather"]
    Draft202012Validator(WEATHER).validate(json.loads("".join(p["arguments"] for p in parts)))
    assert chunks[-1]["choices"][0]["finish_reason"] == "function_call"


def test_it_answers_a_json_schema_request_with_valid_json(api):
    response_format = {"type": "json_schema", "json_schema": {"name": "review", "schema": REVIEW, "strict": True}}
    chunks = stream_chunks(api, chat_body(response_format=response_format))
    body = completion(api, chat_body(response_format=response_format))

    Draft202012Validator(REVIEW).validate(json.loads(streamed_text(chunks)))
    Draft202012Validator(REVIEW).validate(json.loads(body["choices"][0]["message"]["content"]))
    assert len(chunks) > 5


def test_it_answers_json_mode_with_a_json_object(api):
    body = completion(api, chat_body(response_format={"type": "json_object"}))

    assert isinstance(json.loads(body["choices"][0]["message"]["content"]), dict)
