"""Read-only share links: who may open them, revoking, expiry, and forking into one's workspace."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from playground.conversations.models import Audience, Conversation, ShareLink
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Role

from tests.factories import client_for, continue_run, make_run, make_session, make_team, make_user

pytestmark = pytest.mark.django_db


def shared_session():
    alice = make_user("alice")
    session = make_session(alice, title="Soup recipes")
    first = make_run(session, "A soup?", "**Minestrone** with <script>alert(1)</script>", temperature=0.3,
                     usage={"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12})
    continue_run(first, "Vegetarian?", "Yes, it is.")
    return alice, session


def share(alice, session, audience=Audience.SIGNED_IN, **extra) -> str:
    response = client_for(alice).post(reverse("conversations:share", args=[session.public_id]), {"audience": audience, **extra})
    assert response.status_code == 200
    return re.search(r'id="share-url" class="mono" value="([^"]+)"', response.content.decode()).group(1)


def test_it_makes_a_link_that_shows_the_whole_session_read_only():
    alice, session = shared_session()
    url = share(alice, session)
    link = ShareLink.objects.get()
    assert url.split("/")[-2] not in link.token_hash and len(url.split("/")[-2]) >= 40
    bob = make_user("bob")
    page = client_for(bob).get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Soup recipes" in text and "<strong>Minestrone</strong>" in text and "Vegetarian?" in text
    assert "<code>temperature</code>" in text and "<code>0.3</code>" in text and "12 tokens" in text
    assert "<script>alert(1)</script>" not in text
    # The token never goes to another site, yet the page's own Fork form keeps its Origin.
    assert page["Referrer-Policy"] == "same-origin"


def test_it_sends_anonymous_visitors_to_login_unless_anyone_may_open_it():
    alice, session = shared_session()
    signed_in_only = share(alice, session)
    response = Client().get(signed_in_only)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    anyone = share(alice, session, audience=Audience.ANYONE)
    page = Client().get(anyone)
    text = page.content.decode()
    assert page.status_code == 200 and "Soup recipes" in text
    assert "fork-form" not in text
    assert "Sign in to fork" in text and f'href="/accounts/login/?next=/sessions/shared/{anyone.split("/")[-2]}/"' in text


def test_it_stops_a_revoked_link_and_a_replaced_one():
    alice, session = shared_session()
    old = share(alice, session, audience=Audience.ANYONE)
    new = share(alice, session, audience=Audience.ANYONE)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    client_for(alice).post(reverse("conversations:revoke", args=[session.public_id]))
    assert Client().get(new).status_code == 404


def test_it_stops_an_expired_link():
    alice, session = shared_session()
    url = share(alice, session, audience=Audience.ANYONE, expires_in="1")
    assert Client().get(url).status_code == 200
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(url).status_code == 404


def test_it_stops_the_link_of_a_deleted_session_and_unknown_tokens():
    alice, session = shared_session()
    url = share(alice, session, audience=Audience.ANYONE)
    Conversation.objects.filter(pk=session.pk).update(deleted_at=timezone.now())
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("conversations:shared", args=["guessed-token"])).status_code == 404


def test_it_keeps_the_link_revoked_when_a_deleted_session_is_restored():
    alice, session = shared_session()
    url = share(alice, session, audience=Audience.ANYONE)
    client = client_for(alice)
    deleted = client.post(reverse("conversations:delete", args=[session.public_id])).content.decode()
    assert "Its share link is revoked." in deleted
    restored = client.post(reverse("conversations:restore", args=[session.public_id])).content.decode()
    assert "Its share link stays revoked: share it again for a new one." in restored
    assert Client().get(url).status_code == 404
    assert client.get(reverse("conversations:share", args=[session.public_id])).status_code == 200
    new_url = share(alice, session, audience=Audience.ANYONE)
    assert Client().get(new_url).status_code == 200 and new_url != url


def test_it_forks_a_shared_session_into_a_writable_workspace():
    alice, session = shared_session()
    url = share(alice, session)
    bob, carol = make_user("bob"), make_user("carol")
    team = make_team(carol, bob)
    client = client_for(bob)
    page = client.get(url).content.decode()
    assert f'value="{team.public_id}"' in page and f'value="{personal_workspace(bob).public_id}"' in page
    response = client.post(url + "fork", {"workspace": team.public_id})
    copy = Conversation.objects.get(workspace=team)
    assert response["Location"] == f"/s/{copy.public_id}/"
    assert (copy.author, copy.title, copy.runs.count(), copy.visibility) == (bob, "Soup recipes", 2, "private")
    assert client.session[SESSION_WORKSPACE_KEY] == team.public_id
    assert client.get(response["Location"]).status_code == 200
    assert session.runs.count() == 2


def test_it_refuses_to_fork_into_a_workspace_without_write_access():
    alice, session = shared_session()
    url = share(alice, session)
    bob, carol = make_user("bob"), make_user("carol")
    viewed = make_team(carol, bob, role=Role.VIEWER)
    foreign = make_team(carol)
    client = client_for(bob)
    assert client.post(url + "fork", {"workspace": viewed.public_id}).status_code == 404
    assert client.post(url + "fork", {"workspace": foreign.public_id}).status_code == 404
    assert not Conversation.objects.filter(author=bob).exists()


def test_it_lets_only_writers_of_the_session_manage_links():
    alice, session = shared_session()
    bob = make_user("bob")
    assert client_for(bob).get(reverse("conversations:share", args=[session.public_id])).status_code == 404
    assert client_for(bob).post(reverse("conversations:revoke", args=[session.public_id])).status_code == 404


def test_it_forks_a_session_a_viewer_may_read_into_their_own_workspace():
    carol, bob, dave = make_user("carol"), make_user("bob"), make_user("dave")
    team = make_team(carol, bob, role=Role.VIEWER)
    session = make_session(carol, team, title="Team notes", visibility="workspace")
    make_run(session, "Plan?", "Ship it.")
    url = reverse("conversations:fork_session", args=[session.public_id])
    response = client_for(bob, team).post(url, {"workspace": personal_workspace(bob).public_id}, follow=True)
    copy = Conversation.objects.get(author=bob)
    assert response.redirect_chain[-1][0] == f"/s/{copy.public_id}/"
    assert (copy.workspace, copy.title, copy.runs.count()) == (personal_workspace(bob), "Team notes", 1)
    assert "Forked into Personal" in response.content.decode()
    # Not into the team where bob only reads, and not at all for someone outside the team.
    assert client_for(bob, team).post(url, {"workspace": team.public_id}).status_code == 404
    assert client_for(dave).post(url, {"workspace": personal_workspace(dave).public_id}).status_code == 404
    assert Conversation.objects.filter(author__in=[bob, dave]).count() == 1


def test_it_offers_a_viewer_the_fork_and_says_why_run_is_not_offered():
    carol, bob = make_user("carol"), make_user("bob")
    team = make_team(carol, bob, role=Role.VIEWER)
    session = make_session(carol, team, title="Team notes", visibility="workspace")
    page = client_for(bob, team).get(reverse("conversation", args=[session.public_id])).content.decode()
    assert "You are a viewer in Team" in page and 'id="fork-button"' in page
    assert 'id="run-button" hidden disabled' in page
    owner_page = client_for(carol, team).get(reverse("conversation", args=[session.public_id])).content.decode()
    assert "read-only-note" not in owner_page and 'id="fork-button"' not in owner_page
