"""The playground page needs a login; the health check reports the database and channel layer."""

import json
import re

import pytest
from django.urls import reverse


def test_it_sends_anonymous_visitors_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_shows_the_playground_after_login(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    assert b'id="socket-status"' in response.content
    assert b"alice" in response.content


def test_it_tells_the_page_the_sockets_message_limit(client, alice, settings):
    settings.SOCKET_MAX_MESSAGE_BYTES = 123_456
    client.force_login(alice)
    page_data = json.loads(re.search(r'id="page-data"[^>]*>(.*?)</script>', client.get("/").content.decode(), re.S)[1])
    assert page_data["socket_max_bytes"] == 123_456


def test_it_renders_the_login_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_it_keeps_the_username_after_a_failed_login(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b'value="alice"' in response.content


def test_it_signs_out_with_post(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_it_reports_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_it_sets_a_content_security_policy_without_inline_scripts(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_it_switches_to_the_workspace_of_the_session_it_opens(db):
    from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
    from tests.factories import client_for, make_session, make_team, make_user

    alice = make_user("alice")
    team = make_team(alice)
    client = client_for(alice, team)
    mine = make_session(alice, title="Personal notes")
    page = client.get(reverse("conversation", args=[mine.public_id])).content.decode()
    assert client.session[SESSION_WORKSPACE_KEY] == personal_workspace(alice).public_id
    # The switcher shows where this page's runs go.
    assert f'value="{personal_workspace(alice).public_id}" selected' in page


def test_it_offers_the_ways_to_a_first_provider(client, alice):
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "No provider yet" in page and "fake provider" in page and "local model" in page
    assert 'href="/teams/w/' in page and "/providers/" in page
    # The fake provider answers 401 without a key, as OpenAI does: a provider added without one fails.
    assert "http://127.0.0.1:8100/v1</code> and any API key" in page


def test_it_preselects_the_last_model_used_in_the_workspace(client, alice, settings):
    from tests.factories import make_run, make_session

    settings.OPENAI_API_KEY = "sk-test"
    client.force_login(alice)
    assert 'id="f-model"' in client.get("/").content.decode()
    run = make_run(make_session(alice), model="fake-gpt-mini")
    run.provider_id = "default"
    run.save()
    page = client.get("/").content.decode()
    assert 'value="fake-gpt-mini"' in page


def test_a_viewer_without_a_session_open_is_not_shown_the_latest_runs_messages(db):
    from playground.teams.models import Role
    from tests.factories import client_for, make_team, make_user

    owner, viewer = make_user("olga"), make_user("vera")
    team = make_team(owner, viewer, role=Role.VIEWER, name="Research")
    page = client_for(viewer, team).get("/").content.decode()
    assert "Messages of the latest run" not in page
    assert "No session open" in page
