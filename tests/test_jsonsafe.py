"""The one JSON parser for user input: NaN, infinities, deep nesting and endless numbers are refused clearly."""

import json

import pytest

from playground import jsonsafe


@pytest.mark.parametrize("text, words", [
    ('{"temperature": NaN}', "NaN is not a JSON number"),
    ("[Infinity]", "Infinity is not a JSON number"),
    ("[-Infinity]", "-Infinity is not a JSON number"),
    ('{"temperature": 1e999}', "1e999 is too large"),
    ("9" * 5000, "more than 4300 digits"),
])
def test_it_refuses_numbers_json_and_postgresql_do_not_take(text, words):
    with pytest.raises(jsonsafe.JSONRefused) as refused:
        jsonsafe.loads(text)
    assert words in str(refused.value)


@pytest.mark.parametrize("depth", [65, 10_000, 100_000])
def test_it_refuses_deep_nesting_without_a_recursion_error(depth):
    with pytest.raises(jsonsafe.JSONRefused) as refused:
        jsonsafe.loads("[" * depth + "]" * depth)
    assert f"nested {depth} levels deep; at most {jsonsafe.MAX_DEPTH}" in str(refused.value)


def test_it_takes_nesting_up_to_the_limit_and_brackets_inside_strings():
    nested = "[" * jsonsafe.MAX_DEPTH + "]" * jsonsafe.MAX_DEPTH
    assert jsonsafe.loads(nested) == json.loads(nested)
    text = json.dumps({"a": "[" * 500 + '\\" {{{', "b": [1, 2.5, {"c": None}]})
    assert jsonsafe.loads(text) == json.loads(text)
    assert jsonsafe.loads(b'{"bytes": "\xc3\xa9"}') == {"bytes": "é"}


def test_it_reports_malformed_json_like_the_standard_parser():
    with pytest.raises(json.JSONDecodeError) as malformed:
        jsonsafe.loads('{"a": ]')
    assert (malformed.value.lineno, malformed.value.colno) == (1, 7)
    # Unbalanced brackets are the parser's to report, not taken for deep nesting.
    with pytest.raises(json.JSONDecodeError):
        jsonsafe.loads("]" * 100 + "[" * 100)
