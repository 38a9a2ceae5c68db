"""Every sessions view with the owner, a teammate, and an outsider: another person's id is a 404
that says nothing about the session."""

import pytest
from django.urls import reverse
from django.utils import timezone

from playground.conversations.models import Visibility

from tests.factories import client_for, make_run, make_session, make_team, make_user

pytestmark = pytest.mark.django_db
TITLE = "Top secret plans"

SESSION_VIEWS = [
    ("conversations:runs", "get"), ("conversations:tree", "get"), ("conversations:export_json", "get"),
    ("conversations:export_markdown", "get"), ("conversations:share", "get"), ("conversations:revoke", "post"),
    ("conversations:rename", "post"), ("conversations:tags", "post"), ("conversations:pin", "post"),
    ("conversations:visibility", "post"), ("conversations:delete", "post"), ("conversations:restore", "post"),
]
RUN_VIEWS = [
    ("runs:branch", "get"), ("runs:run_request", "get"), ("runs:run_body", "get"),
    ("runs:playback", "get"), ("runs:playback_data", "get"), ("runs:run_cost", "get"),
    ("runs:diff", "get"),
]
POST_DATA = {"title": "New", "tags": "x", "visibility": "workspace"}


def setup(visibility):
    owner, teammate, outsider = make_user("owner"), make_user("teammate"), make_user("outsider")
    team = make_team(owner, teammate)
    make_team(outsider)
    session = make_session(owner, team, title=TITLE, visibility=visibility)
    run = make_run(session, "plans", "secret answer")
    return {"owner": owner, "teammate": teammate, "outsider": outsider}, team, session, run


def call(client, name, method, session, run):
    if name == "conversations:restore":
        session.__class__.objects.filter(pk=session.pk).update(deleted_at=timezone.now())
    if name == "runs:diff":
        return client.get(reverse(name), {"b": run.public_id})
    target = session.public_id if (name, method) in SESSION_VIEWS else run.public_id
    url = reverse(name, args=[target])
    return client.post(url, POST_DATA) if method == "post" else client.get(url)


@pytest.mark.parametrize("name,method", SESSION_VIEWS + RUN_VIEWS)
def test_it_serves_the_owner(name, method):
    users, team, session, run = setup(Visibility.PRIVATE)
    response = call(client_for(users["owner"], team), name, method, session, run)
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("name,method", SESSION_VIEWS + RUN_VIEWS)
def test_it_hides_a_private_session_from_a_teammate_and_everything_from_an_outsider(name, method):
    users, team, session, run = setup(Visibility.PRIVATE)
    for who in ("teammate", "outsider"):
        response = call(client_for(users[who]), name, method, session, run)
        assert response.status_code == 404, who
        assert TITLE not in response.content.decode()
    session.refresh_from_db()
    assert session.title == TITLE


@pytest.mark.parametrize("name,method", SESSION_VIEWS + RUN_VIEWS)
def test_it_lets_a_teammate_use_a_workspace_session(name, method):
    users, team, session, run = setup(Visibility.WORKSPACE)
    response = call(client_for(users["teammate"], team), name, method, session, run)
    # Only the author decides who sees a session.
    expected = (403,) if name == "conversations:visibility" else (200, 302)
    assert response.status_code in expected
    outsider = call(client_for(users["outsider"]), name, method, session, run)
    assert outsider.status_code == 404


def test_it_never_lists_or_finds_another_workspaces_sessions():
    users, team, session, run = setup(Visibility.WORKSPACE)
    client = client_for(users["outsider"])
    for url, params in ((reverse("conversations:history"), {"q": "secret"}), (reverse("conversations:sidebar"), {}),
                        (reverse("conversations:trash"), {})):
        assert TITLE not in client.get(url, params).content.decode()


def test_it_needs_a_login_everywhere():
    users, team, session, run = setup(Visibility.WORKSPACE)
    from django.test import Client

    anonymous = Client()
    for name, method in SESSION_VIEWS + RUN_VIEWS:
        response = call(anonymous, name, method, session, run)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    assert anonymous.get(reverse("conversations:history")).status_code == 302
