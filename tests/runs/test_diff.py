"""Word diffs of answers and parameter diffs of requests."""

import pytest
from django.urls import reverse

from playground.runs.diff import parameter_diff, word_diff

from tests.factories import client_for, make_run, make_session, make_user


def test_it_marks_inserted_and_deleted_words():
    segments = word_diff("The quick brown fox jumps.", "The slow brown fox leaps high.")
    assert [(s.kind, s.text) for s in segments] == [
        ("equal", "The "), ("delete", "quick"), ("insert", "slow"), ("equal", " brown fox "),
        ("delete", "jumps"), ("insert", "leaps high"), ("equal", "."),
    ]
    assert "".join(s.text for s in segments if s.kind != "insert") == "The quick brown fox jumps."
    assert "".join(s.text for s in segments if s.kind != "delete") == "The slow brown fox leaps high."


def test_it_diffs_empty_texts():
    assert word_diff("", "") == []
    assert [(s.kind, s.text) for s in word_diff("", "new words")] == [("insert", "new words")]


def test_it_shows_only_differing_parameters_with_unset_for_missing():
    old = {"model": "gpt-4o", "messages": [{"role": "user", "content": "a"}], "temperature": 0.2, "seed": 1,
           "response_format": {"type": "json_schema", "json_schema": {"name": "a", "strict": True}}}
    new = {"model": "gpt-4o", "messages": [{"role": "user", "content": "b"}], "temperature": 0.9,
           "response_format": {"type": "json_schema", "json_schema": {"name": "b", "strict": True}}, "top_p": 0.5}
    assert parameter_diff(old, new) == [
        ("response_format.json_schema.name", "a", "b"), ("seed", "1", "unset"), ("temperature", "0.2", "0.9"), ("top_p", "unset", "0.5"),
    ]


@pytest.mark.django_db
def test_it_renders_the_diff_of_two_runs():
    alice = make_user("alice")
    session = make_session(alice)
    old = make_run(session, "Hi", "Hello <b>world</b>", temperature=0.2)
    new = make_run(session, "Hi", "Hello brave world", temperature=0.8)
    page = client_for(alice).get(reverse("runs:diff"), {"a": old.public_id, "b": new.public_id}).content.decode()
    assert "<span>Hello </span><del>&lt;b&gt;</del><ins>brave </ins><span>world</span><del>&lt;/b&gt;</del>" in page
    assert "<code>temperature</code>" in page and "<code>0.2</code>" in page and "<code>0.8</code>" in page
    assert "<b>world</b>" not in page


@pytest.mark.django_db
def test_it_compares_with_the_run_before_when_only_one_is_given():
    alice = make_user("alice")
    session = make_session(alice)
    make_run(session, "Hi", "one")
    new = make_run(session, "Hi", "two")
    page = client_for(alice).get(reverse("runs:diff"), {"b": new.public_id}).content.decode()
    assert "<del>one</del>" in page and "<ins>two</ins>" in page
