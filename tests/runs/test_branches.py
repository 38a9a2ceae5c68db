"""Branching: editing an earlier message makes a new run beside the old one; both histories stay."""

import pytest
from django.urls import reverse

from playground.runs import branches

from tests.factories import client_for, continue_run, make_run, make_session, make_user

pytestmark = pytest.mark.django_db


def chat():
    """u1 → a1, u2 → a2; then u2 edited to u2' → a2' (a branch from the first run)."""
    alice = make_user("alice")
    session = make_session(alice)
    first = make_run(session, "Name a fruit", "Apple")
    second = continue_run(first, "Another one", "Banana")
    edited = continue_run(first, "A red one", "Cherry")
    return alice, session, first, second, edited


def test_it_keeps_both_histories_of_a_branch():
    alice, session, first, second, edited = chat()
    runs = branches.runs_of(session)
    paths = [[run.pk for run in path] for path in branches.branches(runs)]
    assert paths == [[first.pk, second.pk], [first.pk, edited.pk]]
    assert [m["content"] for m in branches.branch_messages(second)] == ["Name a fruit", "Apple", "Another one", "Banana"]
    assert [m["content"] for m in branches.branch_messages(edited)] == ["Name a fruit", "Apple", "A red one", "Cherry"]


def test_it_lists_the_tree_indented_only_where_it_branches():
    alice, session, first, second, edited = chat()
    third = continue_run(second, "And a yellow one?", "Lemon")
    rows = branches.tree_rows(branches.run_tree(branches.runs_of(session)))
    assert [(node.run.pk, depth) for node, depth in rows] == [(first.pk, 0), (second.pk, 1), (third.pk, 1), (edited.pk, 1)]


def test_it_finds_the_run_a_new_request_continues():
    alice, session, first, second, edited = chat()
    runs = branches.runs_of(session)
    after_banana = [*branches.branch_messages(second), {"role": "user", "content": "More"}]
    assert branches.parent_for_messages(runs, after_banana) == second
    after_apple = [*branches.branch_messages(first), {"role": "user", "content": "Edited"}]
    assert branches.parent_for_messages(runs, after_apple) == first
    assert branches.parent_for_messages(runs, [{"role": "user", "content": "Something else"}]) is None


def test_it_serves_the_tree_and_a_branch_to_load():
    alice, session, first, second, edited = chat()
    client = client_for(alice)
    tree = client.get(reverse("conversations:tree", args=[session.public_id])).json()
    assert [b["runs"] for b in tree["branches"]] == [[first.public_id, second.public_id], [first.public_id, edited.public_id]]
    assert [child["id"] for child in tree["tree"][0]["children"]] == [second.public_id, edited.public_id]
    loaded = client.get(reverse("runs:branch", args=[edited.public_id])).json()
    assert loaded["parent"] == edited.public_id
    assert loaded["path"] == [first.public_id, edited.public_id]
    assert loaded["request"]["messages"][-1] == {"role": "assistant", "content": "Cherry"}
    assert loaded["request"]["model"] == "fake-gpt"


def test_it_renders_the_run_tree_with_replay_actions():
    alice, session, first, second, edited = chat()
    page = client_for(alice).get(reverse("conversations:runs", args=[session.public_id])).content.decode()
    assert "3 runs · 2 branches" in page
    assert page.count('class="run-node"') == 3
    assert "Edit and re-run" in page and "Playback" in page


def test_it_gives_the_parent_of_a_re_run():
    alice, session, first, second, edited = chat()
    data = client_for(alice).get(reverse("runs:run_request", args=[second.public_id])).json()
    assert data["parent"] == first.public_id
    assert data["request"] == second.request


def test_it_says_where_branches_that_end_alike_diverge():
    alice = make_user("alice")
    session = make_session(alice)
    first = make_run(session, "Name a fruit", "Apple", history=[{"role": "system", "content": "Be brief."}])
    make_run(session, "Name a fruit", "Pear", history=[{"role": "system", "content": "Be poetic."}])
    make_run(session, "Name a fruit", "Plum", history=[{"role": "system", "content": "Be brief."}], temperature=0.2)
    tool = continue_run(first, "ignored", "Sunny")
    tool.request["messages"][-1] = {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
    tool.save()
    rows = branches.tree_rows(branches.run_tree(branches.runs_of(session)))
    assert [(node.prompt, node.divergence) for node, _depth in rows] == [
        ("Name a fruit", ""),
        ("tool: 18 C", ""),
        ("Name a fruit", "message 1 (system): Be poetic."),
        ("Name a fruit", "Temperature 0.2"),
    ]
