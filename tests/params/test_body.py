"""The panel's fields become a request body (only what was set), and a body becomes fields again."""

import pytest
from django.utils.datastructures import MultiValueDict

from playground.params.body import (
    body_from_form,
    decode_escapes,
    encode_escapes,
    field_values,
    form_values_from_body,
    unknown_parameters,
)
from playground.params.registry import PARAMS
from playground.params.rules import validate_body
from playground.spec.validators import REQUEST, validator

from .samples import BASE, COMBINATIONS, SAMPLES, body_with


def posted(values: dict) -> MultiValueDict:
    """What Django hands a view for these field values (lists for repeated fields)."""
    return MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in values.items()})


def round_trip(body: dict) -> tuple[dict, dict]:
    return body_from_form(posted(form_values_from_body(body)))


def test_it_sends_nothing_for_an_empty_form():
    empty = {param.name: "" for param in PARAMS}
    assert body_from_form(posted(empty)) == ({}, {})
    assert body_from_form(posted({})) == ({}, {})


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_it_round_trips_every_param(param):
    body = {param.name: SAMPLES[param.name]}
    assert round_trip(body) == (body, {})


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_it_builds_a_schema_valid_body_for_every_param(param):
    fragment, errors = round_trip({param.name: SAMPLES[param.name]})
    assert not errors
    problems = list(validator(REQUEST).iter_errors({**BASE, **fragment}))
    assert not problems, [problem.message for problem in problems]


@pytest.mark.parametrize("names", COMBINATIONS, ids=lambda names: "+".join(names[:2]))
def test_it_builds_valid_bodies_for_combinations(names):
    expected = body_with(*names)
    body, errors = round_trip(expected)
    assert not errors
    assert body == expected
    assert not list(validator(REQUEST).iter_errors(body))
    assert validate_body(body) == {}


def test_it_round_trips_a_body_with_every_param():
    body = {**SAMPLES}
    assert round_trip(body) == (body, {})


def test_it_parses_numbers_and_switches():
    body, errors = body_from_form(posted({
        "temperature": " 0.25 ", "n": "3", "stream": "true", "store": "false", "logprobs": "",
    }))
    assert errors == {}
    assert body == {"temperature": 0.25, "n": 3, "stream": True, "store": False}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("temperature", "warm", "Enter a number."),
    ("temperature", "nan", "Enter a number."),
    ("temperature", "1e999", "Enter a finite number."),
    ("n", "2.5", "Enter a whole number."),
    ("stream", "yes", "Choose on, off or unset."),
    ("service_tier", "turbo", "Choose one of: auto, default, flex, scale, priority, fast."),
    ("tool_choice", "sometimes", "Enter none, auto, required, or a JSON object."),
    ("modalities", "video", "Unknown choice 'video'; choose from: text, audio."),
])
def test_it_reports_unparseable_fields(field, value, message):
    body, errors = body_from_form(posted({field: value, "seed": "7"}))
    assert errors == {field: [message]}
    assert body == {"seed": 7}


# One grammar for typed numbers, wherever they come from: what an HTML number field produces.
@pytest.mark.parametrize(("typed", "sent"), [
    ("1", 1), ("1.0", 1.0), ("0.5", 0.5), (".5", 0.5), ("-.5", -0.5), ("1e3", 1000.0), ("2E-1", 0.2),
    ("007", 7), (" 2 ", 2),
])
def test_it_reads_typed_numbers_as_written(typed, sent):
    body, errors = body_from_form(posted({"temperature": typed}))
    assert errors == {}
    assert body["temperature"] == sent
    assert type(body["temperature"]) is type(sent)  # a whole number typed stays whole: 1, not 1.0


@pytest.mark.parametrize("typed", ["1_000", "0x10", "1.", "+1", "inf", "Infinity", "١٢", "1e", "--1", "1,5"])
def test_it_refuses_what_python_alone_would_read(typed):
    assert body_from_form(posted({"temperature": typed})) == ({}, {"temperature": ["Enter a number."]})
    assert body_from_form(posted({"max_completion_tokens": typed})) == (
        {}, {"max_completion_tokens": ["Enter a whole number."]})


@pytest.mark.parametrize("typed", ["1e3", "10.0", ".5"])
def test_it_wants_whole_numbers_written_whole(typed):
    assert body_from_form(posted({"n": typed}))[1] == {"n": ["Enter a whole number."]}


def test_it_refuses_json_words_that_are_not_json():
    body, errors = body_from_form(posted({"logit_bias": '{\n "1": -Infinity}', "metadata": '{"a": "NaN"}'}))
    assert errors == {"logit_bias": ["Invalid JSON on line 2, column 7: -Infinity is not a JSON number."]}
    assert body == {"metadata": {"a": "NaN"}}


def test_it_fills_every_option_and_clears_the_unset_ones():
    values = field_values({"temperature": 1, "stop": ["\n"], "model": "m"})
    assert values["temperature"] == ["1"] and values["stop"] == ["\\n"] and values["model"] == ["m"]
    assert values["top_p"] == [] and values["modalities"] == []
    assert "messages" not in values  # a body without messages leaves the conversation alone
    assert set(values) == {param.name for param in PARAMS if param.in_panel} | {"model"}


def test_it_points_at_the_line_and_column_of_bad_json():
    body, errors = body_from_form(posted({"tools": '[\n  {"type": "function",}\n]'}))
    assert errors["tools"] == [
        "Invalid JSON on line 2, column 23: Expecting property name enclosed in double quotes."
    ]
    assert "tools" not in body


def test_it_treats_json_null_as_unset():
    assert body_from_form(posted({"audio": "null", "metadata": " "})) == ({}, {})


def test_it_accepts_keywords_or_json_for_tool_choice():
    assert body_from_form(posted({"tool_choice": "required"}))[0] == {"tool_choice": "required"}
    body, _ = body_from_form(posted({"function_call": '{"name": "f"}'}))
    assert body == {"function_call": {"name": "f"}}


def test_it_collects_modalities_from_checkboxes():
    body, _ = body_from_form(posted({"modalities": ["text", "audio"]}))
    assert body == {"modalities": ["text", "audio"]}


def test_it_turns_typed_escapes_in_stop_into_characters():
    body, errors = body_from_form(posted({"stop": ["\\n\\n", "a\\tb", "c\\\\n", "", "\\x"]}))
    assert errors == {}
    assert body == {"stop": ["\n\n", "a\tb", "c\\n", "\\x"]}


def test_it_keeps_spaces_in_stop_sequences():
    assert body_from_form(posted({"stop": [" "]}))[0] == {"stop": [" "]}


def test_it_sends_a_single_stop_string_as_a_list():
    assert round_trip({"stop": "\n"}) == ({"stop": ["\n"]}, {})


@pytest.mark.parametrize("text", ["\n", "\\n", "a\\\tb", "\r\n", "plain", "\\"])
def test_it_escapes_stop_sequences_reversibly(text):
    assert decode_escapes(encode_escapes(text)) == text


def test_it_accepts_a_plain_dict_as_from_websocket_json():
    body, errors = body_from_form({"temperature": "0.5", "stop": ["END"], "stream": "true"})
    assert (body, errors) == ({"temperature": 0.5, "stop": ["END"], "stream": True}, {})


def test_it_fills_fields_from_a_pasted_body():
    values = form_values_from_body({
        "temperature": 1, "stream": False, "stop": "\n", "metadata": {"a": "b"},
        "tool_choice": "auto", "top_p": None, "unknown": 1,
    })
    assert values == {
        "temperature": "1", "stream": "false", "stop": ["\\n"],
        "metadata": '{\n  "a": "b"\n}', "tool_choice": "auto",
    }


def test_it_names_keys_the_panel_cannot_show():
    assert unknown_parameters({"model": "x", "foo": 1, "extra_body": {}}) == ["foo", "extra_body"]
