"""Full-text search over prompts and answers, scoped to what the user may see, and the filters."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from playground.conversations.models import Conversation, Visibility
from playground.conversations.search import HistoryFilters, history, reindex, snippet_parts

from tests.factories import client_for, make_run, make_session, make_team, make_user

pytestmark = pytest.mark.django_db


def titles(user, workspace, **filters):
    return [c.title for c in history(user, workspace, HistoryFilters(**filters))]


def test_it_finds_a_word_from_an_answer_and_not_from_another_users_session():
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team(alice, bob)
    mine = make_session(alice, team, title="Mine")
    make_run(mine, "Tell me about birds", "The kingfisher dives for fish.")
    theirs = make_session(bob, team, title="Bob's private one")
    make_run(theirs, "Tell me about birds", "A kingfisher is blue.")
    elsewhere = make_session(bob, title="Bob's personal one")
    make_run(elsewhere, "Birds?", "The kingfisher again.")

    assert titles(alice, team, text="kingfisher") == ["Mine"]
    assert titles(bob, team, text="kingfisher") == ["Bob's private one"]


def test_it_finds_prompts_titles_and_stemmed_words():
    alice = make_user("alice")
    session = make_session(alice, title="Weather questions")
    make_run(session, "Which mountains are tallest?", "Everest.")
    workspace = session.workspace
    assert titles(alice, workspace, text="mountain") == ["Weather questions"]
    assert titles(alice, workspace, text="weather") == ["Weather questions"]
    assert titles(alice, workspace, text="volcano") == []


def test_it_shows_workspace_sessions_of_teammates_but_not_their_private_ones():
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team(alice, bob)
    make_run(make_session(bob, team, title="Shared", visibility=Visibility.WORKSPACE), "kiwi", "fruit")
    make_run(make_session(bob, team, title="Private"), "kiwi", "fruit")
    assert titles(alice, team, text="kiwi") == ["Shared"]
    assert sorted(titles(bob, team, text="kiwi")) == ["Private", "Shared"]


def test_it_lists_pinned_first_then_newest_and_hides_deleted():
    alice = make_user("alice")
    old = make_session(alice, title="Old", pinned=True)
    make_session(alice, title="Middle")
    make_session(alice, title="Newest")
    make_session(alice, title="Gone", deleted_at=timezone.now())
    assert titles(alice, old.workspace) == ["Old", "Newest", "Middle"]


def test_it_filters_by_model_status_provider_tag_and_date():
    alice = make_user("alice")
    first = make_session(alice, title="First", tags=["work"])
    make_run(first, "a", "b", model="gpt-4o")
    second = make_session(alice, title="Second")
    make_run(second, "a", "b", model="o3", status="failed")
    workspace = first.workspace
    assert titles(alice, workspace, model="GPT-4o") == ["First"]
    assert titles(alice, workspace, status="failed") == ["Second"]
    assert titles(alice, workspace, tag="work") == ["First"]
    assert titles(alice, workspace, provider="nope") == []
    Conversation.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(days=10))
    today = date.today()
    assert titles(alice, workspace, since=today) == ["Second"]
    assert titles(alice, workspace, until=today - timedelta(days=5)) == ["First"]


def test_it_reindexes_after_a_rename():
    alice = make_user("alice")
    session = make_session(alice, title="Before")
    make_run(session, "x", "y")
    Conversation.objects.filter(pk=session.pk).update(title="Zeppelins")
    assert titles(alice, session.workspace, text="zeppelin") == []
    reindex(session.pk)
    assert titles(alice, session.workspace, text="zeppelin") == ["Zeppelins"]


def test_it_backfills_sessions_made_before_the_index_like_reindex_does():
    import importlib

    from django.db import connection

    backfill = importlib.import_module("playground.conversations.migrations.0003_run_facets").BACKFILL
    alice = make_user("alice")
    session = make_session(alice, title="Older session")
    make_run(session, "About volcanoes", "Etna erupts often.", model="GPT-4o", status="failed", index=False)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert titles(alice, session.workspace, text="etna") == ["Older session"]
    assert titles(alice, session.workspace, text="volcano", model="gpt-4o", status="failed") == ["Older session"]
    backfilled = Conversation.objects.get(pk=session.pk).run_facets
    reindex(session.pk)
    assert Conversation.objects.get(pk=session.pk).run_facets == backfilled


def test_it_shows_where_a_result_matched_escaped():
    alice = make_user("alice")
    session = make_session(alice, title="Rivers")
    make_run(session, "Which rivers & lakes cross Europe?", "The Danube flows through ten countries, more than any other river.")
    make_run(make_session(alice, title="Danube facts"), "Hello", "Hi")
    found = {c.title: snippet_parts(c.snippet) for c in history(alice, session.workspace, HistoryFilters(text="danube"))}
    assert found["Danube facts"] == []  # only the title matched: no snippet to show
    parts = found["Rivers"]
    assert ("Danube", True) in parts and any("countries" in text for text, hit in parts if not hit)
    page = client_for(alice).get(reverse("conversations:history"), {"q": "rivers"}).content.decode()
    assert "<mark>rivers</mark> &amp; lakes" in page


def test_it_backfills_the_snippet_text():
    import importlib

    from django.db import connection

    backfill = importlib.import_module("playground.conversations.migrations.0005_search_text").BACKFILL
    alice = make_user("alice")
    session = make_session(alice, title="Older session")
    make_run(session, "About volcanoes", "Etna erupts often.")
    Conversation.objects.filter(pk=session.pk).update(search_text="")
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert Conversation.objects.get(pk=session.pk).search_text == "About volcanoes\nEtna erupts often."
