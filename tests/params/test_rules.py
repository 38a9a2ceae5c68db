"""validate_body: schema errors in plain words, and the rules the spec states only in prose."""

import pytest

from playground.params.rules import hints, validate_body

from .samples import BASE, SAMPLES

STRICT_SCHEMA = SAMPLES["response_format"]["json_schema"]["schema"]
WEATHER_TOOL = SAMPLES["tools"][0]


def body(**options) -> dict:
    return {**BASE, **options}


def function_tool(name="get_weather", parameters=None, strict=None) -> dict:
    function = {"name": name, "parameters": parameters or STRICT_SCHEMA}
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def json_schema_format(schema, *, strict=True, name="answer") -> dict:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": strict, "schema": schema}}


def test_it_accepts_a_minimal_body():
    assert validate_body(BASE) == {}


@pytest.mark.parametrize("options, field", [
    ({"temperature": float("nan")}, "temperature"),
    ({"logit_bias": {"50256": float("-inf")}}, "logit_bias"),
    ({"metadata": {"a": "b"}, "response_format": json_schema_format({"type": "number", "maximum": float("inf")})}, "response_format"),
])
def test_it_refuses_nan_and_infinity_anywhere_in_the_body(options, field):
    # Every comparison with NaN is false, so the schema's ranges let it through; the rule does not.
    errors = validate_body(body(**options))
    assert any("is not a number the API takes" in message for message in errors[field])


def test_it_words_schema_errors_for_people():
    errors = validate_body({"model": "m", "messages": [], "temperature": 5, "top_p": "x"})
    assert errors == {
        "messages": ["Messages must not be empty."],
        "temperature": ["Temperature must be at most 2."],
        "top_p": ["Top P must be a number."],
    }


def test_it_requires_model_and_messages():
    assert validate_body({}) == {"model": ["Model is required."], "messages": ["Messages is required."]}


def test_it_can_check_options_before_messages_exist():
    assert validate_body({"model": "m", "temperature": 0.2}, require_messages=False) == {}


def test_it_explains_union_errors_by_the_intended_branch():
    errors = validate_body(body(
        messages=[{"role": "bot", "content": "x"}, {"role": "tool", "content": "x"}],
        stop=["a"] * 5,
        response_format={"type": "json_schema", "json_schema": {}},
        audio={"voice": "alloy"},
    ))
    assert errors["messages"] == [
        "messages[0].role must be one of: developer, system, user, assistant, tool, function.",
        "messages[1] is missing tool_call_id.",
    ]
    assert errors["stop"] == ["Stop sequences can have at most 4 items."]
    assert errors["response_format"] == ["response_format.json_schema is missing name."]
    assert errors["audio"] == ["Audio output is missing format."]


def test_it_rejects_a_body_that_is_not_an_object():
    assert validate_body([1]) == {"__all__": ["The request body must be a JSON object."]}


# One failing and one passing body per rule the schema cannot enforce.
RULE_CASES = [
    ("top_logprobs", body(top_logprobs=3), body(top_logprobs=3, logprobs=True),
     "Top logprobs needs Logprobs turned on."),
    ("top_logprobs", body(top_logprobs=None), body(),
     "Leave Top logprobs out instead of sending null."),
    ("max_tokens", body(max_tokens=10, max_completion_tokens=10), body(max_completion_tokens=10),
     "Set Max completion tokens or Max tokens, not both."),
    ("max_completion_tokens", body(max_completion_tokens=0), body(max_completion_tokens=1),
     "Max completion tokens must be at least 1."),
    ("max_tokens", body(max_tokens=-5), body(max_tokens=1), "Max tokens must be at least 1."),
    ("n", body(n=0), body(n=1), "Choices (n) must be at least 1."),
    ("audio", body(modalities=["text", "audio"]),
     body(modalities=["text", "audio"], audio={"voice": "alloy", "format": "mp3"}),
     "Audio output needs a voice and a format when Modalities includes audio."),
    ("stream_options", body(stream_options={"include_usage": True}),
     body(stream=True, stream_options={"include_usage": True}),
     "Stream options only apply when Stream is on."),
    ("functions", body(functions=SAMPLES["functions"], tools=SAMPLES["tools"]),
     body(functions=SAMPLES["functions"]),
     "Use Tools and Tool choice, or the deprecated Functions and Function call, not both."),
    ("function_call", body(function_call="auto", tool_choice="auto", tools=SAMPLES["tools"]),
     body(tool_choice="auto", tools=SAMPLES["tools"]),
     "Use Tools and Tool choice, or the deprecated Functions and Function call, not both."),
    ("logit_bias", body(logit_bias={"hello": 1}), body(logit_bias={"24912": 1}),
     "Logit bias key 'hello' must be a token ID (a whole number)."),
    ("logit_bias", body(logit_bias={"24912": 101}), body(logit_bias={"24912": -100}),
     "Logit bias for token 24912 must be between -100 and 100."),
    ("metadata", body(metadata={str(i): "v" for i in range(17)}),
     body(metadata={str(i): "v" for i in range(16)}), "Metadata can hold at most 16 pairs."),
    ("metadata", body(metadata={"k" * 65: "v"}), body(metadata={"k" * 64: "v"}),
     f"Metadata key {'k' * 20!r}… is longer than 64 characters."),
    ("metadata", body(metadata={"k": "v" * 513}), body(metadata={"k": "v" * 512}),
     "Metadata value of 'k' is longer than 512 characters."),
    ("tools", body(tools=[function_tool("get weather")]), body(tools=[function_tool("get-weather_2")]),
     "tools[0].function.name 'get weather' may use only letters, digits, _ and -, at most 64 characters."),
    ("functions", body(functions=[{"name": "x" * 65}]), body(functions=[{"name": "x" * 64}]),
     f"functions[0].name {'x' * 65!r} may use only letters, digits, _ and -, at most 64 characters."),
    ("response_format", body(response_format=json_schema_format(STRICT_SCHEMA, name="my.answer")),
     body(response_format=json_schema_format(STRICT_SCHEMA, name="my_answer")),
     "response_format.json_schema.name 'my.answer' may use only letters, digits, _ and -, "
     "at most 64 characters."),
    ("response_format", body(response_format=json_schema_format({"type": "objekt"})),
     body(response_format=json_schema_format({"type": "object", "properties": {},
                                              "additionalProperties": False})),
     "response_format.json_schema.schema.type must be one of: array, boolean, integer, null, "
     "number, object, string (not a valid JSON Schema)."),
    ("response_format",
     body(response_format=json_schema_format({"type": "object", "additionalProperties": False,
                                              "properties": {"a": {"type": "string"}}})),
     body(response_format=json_schema_format({"type": "object", "additionalProperties": False,
                                              "properties": {"a": {"type": "string"}}}, strict=False)),
     "In strict mode, response_format.json_schema.schema must list every property in required "
     "(missing: a)."),
    ("response_format",
     body(response_format=json_schema_format({
         "type": "object", "required": ["inner"], "additionalProperties": False,
         "properties": {"inner": {"type": "object", "properties": {}}}})),
     body(response_format=json_schema_format({
         "type": "object", "required": ["inner"], "additionalProperties": False,
         "properties": {"inner": {"type": "object", "properties": {}, "additionalProperties": False}}})),
     "In strict mode, response_format.json_schema.schema.properties.inner must set "
     "additionalProperties to false."),
    ("tools",
     body(tools=[function_tool(parameters={"type": "object", "properties": {"x": {}}}, strict=True)]),
     body(tools=[function_tool(parameters={"type": "object", "properties": {"x": {}}})]),
     "In strict mode, tools[0].function.parameters must list every property in required (missing: x)."),
    ("tools", body(tools=[function_tool(parameters={"type": "object", "required": "x"})]),
     body(tools=[function_tool(parameters={"type": "object", "required": ["x"]})]),
     "tools[0].function.parameters.required must be a list (not a valid JSON Schema)."),
    ("messages", body(messages=[{"role": "user", "content": "hi"}, {"role": "assistant"}]),
     body(messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [
         {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]),
     "messages[1] is an assistant message without content; give it content or tool calls."),
    ("messages", body(messages=[{"role": "tool", "content": "42"}]),
     body(messages=[{"role": "tool", "content": "42", "tool_call_id": "c1"}]),
     "messages[0] is missing tool_call_id."),
    ("tool_choice", body(tool_choice="required"), body(tool_choice="none"),
     "Tool choice needs at least one tool in Tools."),
    ("tool_choice", body(tools=[WEATHER_TOOL], tool_choice={"type": "function", "function": {"name": "f"}}),
     body(tools=[WEATHER_TOOL], tool_choice={"type": "function", "function": {"name": "get_weather"}}),
     "Tool choice names 'f', which is not in Tools."),
    ("tool_choice",
     body(tools=[WEATHER_TOOL], tool_choice={"type": "allowed_tools", "allowed_tools": {
         "mode": "auto", "tools": [{"type": "function", "function": {"name": "gone"}}]}}),
     body(tools=[WEATHER_TOOL], tool_choice={"type": "allowed_tools", "allowed_tools": {
         "mode": "auto", "tools": [{"type": "function", "function": {"name": "get_weather"}}]}}),
     "Tool choice names 'gone', which is not in Tools."),
    ("function_call", body(functions=SAMPLES["functions"], function_call={"name": "nope"}),
     body(functions=SAMPLES["functions"], function_call={"name": "get_weather"}),
     "Function call names 'nope', which is not in Functions."),
]


@pytest.mark.parametrize(("key", "failing", "passing", "message"), RULE_CASES,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(RULE_CASES)])
def test_it_enforces_each_rule(key, failing, passing, message):
    assert message in validate_body(failing).get(key, []), validate_body(failing)
    assert validate_body(passing) == {}


def test_it_reports_each_message_once():
    errors = validate_body(body(tools=[function_tool("a b"), function_tool("a b")]))
    assert len(errors["tools"]) == 2  # one per tool, not repeated


def test_it_advises_max_completion_tokens_for_reasoning_models():
    advice = hints(body(model="openai/o4-mini", max_tokens=100))
    assert "Reasoning models (o-series, gpt-5) want Max completion tokens, not Max tokens." in advice
    assert not any("Reasoning" in line for line in hints(body(model="gpt-4o", max_tokens=100)))


def test_it_advises_changing_temperature_or_top_p_not_both():
    assert any("Top P" in line for line in hints(body(temperature=0.2, top_p=0.5)))
    assert hints(body(temperature=0.2)) == []


def test_it_warns_that_o3_ignores_stop():
    assert "o3 does not support stop sequences." in hints(body(model="o3", stop=["END"]))
    assert "o4-mini-2025-04-16 does not support stop sequences." in hints(
        body(model="o4-mini-2025-04-16", stop=["END"]))
    assert hints(body(model="o3-mini", stop=["END"])) == []


def test_it_reminds_json_mode_to_ask_for_json():
    plain = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
             "response_format": {"type": "json_object"}}
    assert any("JSON mode" in line for line in hints(plain))
    assert hints(body(response_format={"type": "json_object"})) == []


def test_it_points_deprecated_params_to_their_replacement():
    assert hints(body(user="u1")) == [
        "User is deprecated. Use Safety identifier and Prompt cache key instead."
    ]


def test_a_draft_may_still_have_an_empty_prompt():
    empty = body(messages=[{"role": "user", "content": ""}])
    assert "messages" in validate_body(empty)
    assert validate_body(empty, draft=True) == {}
