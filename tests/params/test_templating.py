"""Prompt variables: finding {{name}} placeholders in order, filling them, the escape, and refusals."""

import pytest

from playground.params.templating import (
    MissingValues, as_value, fill, fill_text, find_variables, is_template, is_variable_name, used_values,
    variables_in_text,
)


def user(text):
    return {"role": "user", "content": text}


def test_it_finds_variables_in_order_of_first_appearance_each_once():
    messages = [{"role": "system", "content": "You are {{persona}}."}, user("Translate {{text}} to {{ language }}, {{persona}}.")]
    assert find_variables(messages) == ["persona", "text", "language"]


def test_it_looks_in_every_role_and_in_text_parts_but_not_in_other_parts():
    messages = [
        {"role": "developer", "content": "{{a}}"},
        {"role": "assistant", "content": "{{b}}"},
        {"role": "tool", "tool_call_id": "x", "content": "{{c}}"},
        {"role": "user", "content": [{"type": "text", "text": "{{d}}"},
                                     {"type": "image_url", "image_url": {"url": "https://e.test/{{e}}.png"}}]},
    ]
    assert find_variables(messages) == ["a", "b", "c", "d"]
    filled = fill(messages, {"a": "1", "b": "2", "c": "3", "d": "4"})
    assert [m["content"] for m in filled[:3]] == ["1", "2", "3"]
    assert filled[3]["content"][0]["text"] == "4"
    assert filled[3]["content"][1]["image_url"]["url"] == "https://e.test/{{e}}.png"


def test_it_fills_values_verbatim_and_only_once():
    text = "Q: {{question}} / {{ question }}"
    assert fill_text(text, {"question": "what is {{x}}? <b>&"}) == "Q: what is {{x}}? <b>& / what is {{x}}? <b>&"


def test_an_empty_string_is_a_value_and_none_is_not():
    assert fill_text("[{{a}}]", {"a": ""}) == "[]"
    with pytest.raises(MissingValues) as missing:
        fill([user("{{a}} {{b}} {{c}}")], {"b": "x", "a": None})
    assert missing.value.names == ["a", "c"]
    assert "“a”" in missing.value.messages()["a"]


def test_braces_that_are_not_a_placeholder_are_ordinary_text():
    for text in ('{{"a": 1}}', "{{#each items}}", "{{ a.b }}", "{{}}", "{{ two words }}", "{ {a} }", "{{9lives}}"):
        assert variables_in_text(text) == [], text
        assert fill_text(text, {}) == text
    assert not is_template([user('Return {{"a": 1}}')])


def test_a_backslash_makes_braces_literal():
    assert variables_in_text(r"Write \{{name}} literally, and {{name}}") == ["name"]
    assert fill_text(r"Write \{{name}} literally, and {{name}}", {"name": "Ada"}) == "Write {{name}} literally, and Ada"
    # Only the sequence \{{ is an escape: other backslashes are sent as typed.
    assert fill_text(r"C:\path \n {{x}}", {"x": "1"}) == r"C:\path \n 1"
    assert fill_text(r"\{{ not a var }}", {}) == "{{ not a var }}"
    assert is_template([user(r"\{{literal}}")])  # filling changes it: the backslash goes
    assert find_variables([user(r"\{{literal}}")]) == []


def test_three_braces_keep_the_outer_ones():
    assert fill_text("{{{x}}}", {"x": "v"}) == "{v}"


def test_used_values_keeps_only_the_variables_the_messages_use_in_their_order():
    assert used_values([user("{{b}} {{a}}")], {"a": "1", "b": "2", "c": "3"}) == {"b": "2", "a": "1"}


def test_names():
    assert is_variable_name("customer_name") and is_variable_name("_x") and is_variable_name("a-b")
    assert not is_variable_name("9a") and not is_variable_name("a b") and not is_variable_name("") and not is_variable_name("x" * 65)


def test_values_from_json():
    assert as_value("x") == "x" and as_value(3) == "3" and as_value(True) == "true" and as_value(None) is None
    assert as_value({"a": "é"}) == '{"a": "é"}'


def test_fill_leaves_the_input_unchanged():
    messages = [user("{{a}}")]
    fill(messages, {"a": "1"})
    assert messages == [user("{{a}}")]
