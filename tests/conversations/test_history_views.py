"""The history sidebar and session actions: rename, tags, pin, visibility, delete with undo, trash."""

import pytest
from django.urls import reverse

from playground.conversations.models import Conversation, Visibility
from playground.teams.models import Role

from tests.factories import client_for, make_run, make_session, make_team, make_user

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def test_it_loads_the_sidebar_into_the_page_with_htmx():
    alice = make_user("alice")
    page = client_for(alice).get("/")
    assert f'hx-get="{reverse("conversations:sidebar")}"' in html(page)
    assert "css/sessions.css" in html(page)


def test_it_shows_an_empty_history():
    alice = make_user("alice")
    response = client_for(alice).get(reverse("conversations:sidebar"))
    assert response.status_code == 200
    assert "No saved sessions yet." in html(response)
    assert 'id="history-q"' in html(response)


def test_it_lists_sessions_with_model_and_tags_and_says_when_nothing_matches():
    alice = make_user("alice")
    session = make_session(alice, title="Rivers of Europe", tags=["geo"])
    make_run(session, "Rivers?", "The Danube.", model="gpt-4o")
    client = client_for(alice)
    page = html(client.get(reverse("conversations:history")))
    assert "Rivers of Europe" in page and "gpt-4o" in page and '<span class="tag">geo</span>' in page
    found = html(client.get(reverse("conversations:history"), {"q": "danube"}))
    assert "Rivers of Europe" in found
    missing = html(client.get(reverse("conversations:history"), {"q": "amazon"}))
    assert "No session matches." in missing


def test_it_paginates_with_a_load_more_button():
    alice = make_user("alice")
    for number in range(35):
        make_session(alice, title=f"Session {number:02}")
    client = client_for(alice)
    first = html(client.get(reverse("conversations:history")))
    assert first.count('class="session-item') == 30 and "Load more" in first
    assert "Session 34" in first and "Session 04" not in first
    second = html(client.get(reverse("conversations:history"), {"page": 2}))
    assert second.count('class="session-item') == 5 and "Load more" not in second
    assert "Session 00" in second and "<ul" not in second


def test_it_reports_a_bad_date_range():
    alice = make_user("alice")
    response = client_for(alice).get(reverse("conversations:history"), {"since": "2025-02-01", "until": "2025-01-01"})
    assert "The end date comes before the start date." in html(response)


def test_it_renames_tags_and_pins():
    alice = make_user("alice")
    session = make_session(alice, title="Old title")
    make_run(session, "x", "y")
    client = client_for(alice)
    response = client.post(reverse("conversations:rename", args=[session.public_id]), {"title": "Brand new title"})
    assert "Brand new title" in html(response)
    client.post(reverse("conversations:tags", args=[session.public_id]), {"tags": "Work, ideas , work"})
    client.post(reverse("conversations:pin", args=[session.public_id]))
    session.refresh_from_db()
    assert (session.title, session.tags, session.pinned) == ("Brand new title", ["work", "ideas"], True)
    assert "Brand new title" in html(client.get(reverse("conversations:history"), {"q": "brand"}))


def test_it_keeps_the_title_when_a_rename_is_blank():
    alice = make_user("alice")
    session = make_session(alice, title="Kept")
    response = client_for(alice).post(reverse("conversations:rename", args=[session.public_id]), {"title": "  "})
    assert response.status_code == 422
    assert "Give the session a title." in html(response)
    session.refresh_from_db()
    assert session.title == "Kept"


def test_it_deletes_softly_and_undoes():
    alice = make_user("alice")
    session = make_session(alice, title="Precious")
    client = client_for(alice)
    response = client.post(reverse("conversations:delete", args=[session.public_id]))
    assert "Undo" in html(response)
    assert "Precious" not in html(client.get(reverse("conversations:history")))
    assert "Precious" in html(client.get(reverse("conversations:trash")))
    assert client.get(reverse("conversation", args=[session.public_id])).status_code == 404
    restored = client.post(reverse("conversations:restore", args=[session.public_id]))
    assert "Precious" in html(restored)
    assert "Precious" in html(client.get(reverse("conversations:history")))
    assert Conversation.objects.get(pk=session.pk).deleted_at is None


def test_it_lets_only_the_author_change_visibility():
    alice, bob = make_user("alice"), make_user("bob")
    team = make_team(alice, bob)
    session = make_session(alice, team, visibility=Visibility.WORKSPACE)
    url = reverse("conversations:visibility", args=[session.public_id])
    assert client_for(bob, team).post(url, {"visibility": "private"}).status_code == 403
    assert client_for(alice, team).post(url, {"visibility": "private"}).status_code == 200
    session.refresh_from_db()
    assert session.visibility == Visibility.PRIVATE


def test_it_lets_viewers_see_but_not_change_sessions():
    alice, viewer = make_user("alice"), make_user("viewer")
    team = make_team(alice, viewer, role=Role.VIEWER)
    session = make_session(alice, team, title="Team notes", visibility=Visibility.WORKSPACE)
    client = client_for(viewer, team)
    page = html(client.get(reverse("conversations:history")))
    assert "Team notes" in page and "Rename" not in page
    assert client.post(reverse("conversations:rename", args=[session.public_id]), {"title": "x"}).status_code == 403
    assert client.post(reverse("conversations:delete", args=[session.public_id])).status_code == 403
