"""The one answer to "which parameters differ", labelled from the registry."""

from playground.runs.differences import UNSET, as_rows, differing


def test_it_finds_the_parameters_that_differ_across_columns():
    columns = [{"model": "m", "temperature": 0.1, "stream": True}, {"model": "m", "temperature": 0.5, "stream": True},
               {"model": "m", "stream": True, "stop": ["x"]}]
    found = {difference.key: difference.values for difference in differing(columns)}
    assert found == {"stop": (UNSET, UNSET, ["x"]), "temperature": (0.1, 0.5, UNSET)}
    assert differing([columns[0], dict(columns[0])]) == []


def test_it_ignores_messages_and_key_order():
    a = {"model": "m", "messages": [{"role": "user", "content": "a"}], "response_format": {"type": "json_object"}}
    b = {"response_format": {"type": "json_object"}, "messages": [{"role": "user", "content": "b"}], "model": "m"}
    assert differing([a, b]) == []


def test_it_labels_keys_from_the_registry_and_shows_values_as_text():
    rows = as_rows([
        {"temperature": 1, "response_format": {"type": "json_schema", "json_schema": {"name": "a"}}},
        {"temperature": 0.5, "response_format": {"type": "json_schema", "json_schema": {"name": "b"}}, "stop": ["\n"]},
    ])
    assert rows == [
        {"key": "response_format.json_schema.name", "label": "Response format › json_schema.name", "values": ["a", "b"]},
        {"key": "stop", "label": "Stop sequences", "values": ["unset", '["\\n"]']},
        {"key": "temperature", "label": "Temperature", "values": ["1", "0.5"]},
    ]
