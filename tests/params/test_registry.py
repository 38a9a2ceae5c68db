"""The registry describes every request property of the schema, once, with renderable facts."""

import json
import re

import pytest

from playground.params.registry import BY_NAME, CONFLICTS, GROUPS, KINDS, PARAMS, params_in_group
from playground.params.schema_facts import facts
from playground.spec.validators import REQUEST, request_properties, validator

from .samples import BASE, SAMPLES


def test_it_describes_every_schema_property():
    missing = set(request_properties()) - set(BY_NAME)
    assert not missing, f"registry lacks {sorted(missing)}"


def test_it_describes_nothing_beyond_the_schema():
    extra = set(BY_NAME) - set(request_properties())
    assert not extra, f"registry has unknown {sorted(extra)}"


def test_it_lists_each_param_once():
    names = [param.name for param in PARAMS]
    assert len(names) == len(set(names)) == 37


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_it_gives_each_param_a_known_kind_group_label_and_help(param):
    assert param.kind in KINDS
    assert param.group in {group.key for group in GROUPS}
    assert param.label and param.label[0].isupper()
    sentences = re.findall(r"[.!?](?:\s|$)", param.help)
    assert 1 <= len(sentences) <= 3, param.help
    assert param.field_name == param.name


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: p.name)
def test_it_takes_ranges_enums_and_deprecation_from_the_schema(param):
    schema = facts(param.name)
    for key in ("minimum", "maximum", "choices", "max_length", "max_items"):
        if schema[key] not in (None, ()):
            assert getattr(param, key) == schema[key], key
    assert param.deprecated == schema["deprecated"]


def test_it_reads_known_ranges():
    assert (BY_NAME["temperature"].minimum, BY_NAME["temperature"].maximum) == (0, 2)
    assert (BY_NAME["top_logprobs"].minimum, BY_NAME["top_logprobs"].maximum) == (0, 20)
    assert (BY_NAME["n"].minimum, BY_NAME["n"].maximum) == (1, 128)
    assert BY_NAME["service_tier"].choices == ("auto", "default", "flex", "scale", "priority", "fast")
    assert BY_NAME["safety_identifier"].max_length == 64
    assert BY_NAME["stop"].max_items == 4


def test_it_adds_the_limits_the_spec_gives_only_in_prose():
    assert (BY_NAME["logit_bias"].minimum, BY_NAME["logit_bias"].maximum) == (-100, 100)
    assert BY_NAME["max_tokens"].minimum == BY_NAME["max_completion_tokens"].minimum == 1
    metadata = BY_NAME["metadata"]
    assert (metadata.max_items, metadata.max_key_length, metadata.max_value_length) == (16, 64, 512)


def test_it_shows_defaults_as_text():
    assert BY_NAME["temperature"].default_display == "1"
    assert BY_NAME["stream"].default_display == "false"
    assert BY_NAME["verbosity"].default_display == "medium"
    assert "auto with tools" in BY_NAME["tool_choice"].default_display
    assert BY_NAME["max_completion_tokens"].default_display == ""


def test_it_notes_what_replaces_a_deprecated_param():
    for param in PARAMS:
        if param.deprecated:
            assert param.deprecation_note, param.name


@pytest.mark.parametrize("param", [p for p in PARAMS if p.is_json], ids=lambda p: p.name)
def test_it_gives_json_params_a_valid_example(param):
    assert json.loads(param.example_json) == param.example
    errors = list(validator(REQUEST).iter_errors({**BASE, param.name: param.example}))
    assert not errors, [e.message for e in errors]


def test_it_offers_nested_enums_for_structured_editors():
    audio = BY_NAME["audio"].field_choices_map
    assert "alloy" in audio["voice"] and "pcm16" in audio["format"]
    assert BY_NAME["moderation"].field_choices_map["mode"] == ("score", "block")


def test_it_groups_panel_controls_in_order():
    shown = [param for group in GROUPS for param in params_in_group(group.key)]
    assert {param.name for param in shown} == set(BY_NAME) - {"messages", "model"}
    assert all(params_in_group(group.key) for group in GROUPS)


def test_it_has_a_sample_for_every_param():
    assert set(SAMPLES) == set(BY_NAME)
    assert all(value is not None for value in SAMPLES.values())


def test_it_states_the_rules_between_options_as_data():
    assert [(need.name, need.value) for need in BY_NAME["top_logprobs"].needs] == [("logprobs", True)]
    assert [(need.name, need.value) for need in BY_NAME["stream_options"].needs] == [("stream", True)]
    assert BY_NAME["max_tokens"].excludes.names == ("max_completion_tokens",)
    assert BY_NAME["functions"].excludes.names == BY_NAME["function_call"].excludes.names == ("tools", "tool_choice")
    assert [(rule.name, rule.value) for rule in BY_NAME["audio"].required_when] == [("modalities", "audio")]


def test_it_mirrors_each_exclusion_for_the_other_side():
    assert [conflict.names for conflict in CONFLICTS["max_completion_tokens"]] == [("max_tokens",)]
    assert [conflict.names for conflict in CONFLICTS["tools"]] == [("functions", "function_call")]
    assert [conflict.names for conflict in CONFLICTS["functions"]] == [("tools", "tool_choice")]
    for param in PARAMS:
        for conflict in CONFLICTS[param.name]:
            for other in conflict.names:
                assert any(param.name in mirror.names for mirror in CONFLICTS[other]), (param.name, other)


def test_every_rule_names_real_options():
    for param in PARAMS:
        named = [need.name for need in param.needs] + [rule.name for rule in param.required_when]
        named += list(param.excludes.names) if param.excludes else []
        named += [param.named_choice.source] if param.named_choice else []
        assert set(named) <= set(BY_NAME), param.name


def test_it_marks_the_limits_only_prose_gives():
    assert {param.name for param in PARAMS if param.prose_limits} == {"max_tokens", "max_completion_tokens", "logit_bias"}


def test_each_structured_editor_has_its_template():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates" / "params" / "editors"
    editors = {param.editor for param in PARAMS if param.editor}
    assert editors == {"schema-format", "function-tools", "voice"}
    assert editors == {path.stem for path in templates.glob("*.html")}
