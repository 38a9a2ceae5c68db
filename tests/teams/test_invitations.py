"""Invitation links: unguessable, stored hashed, single use, expiring, revocable."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from playground.teams.models import Invitation, Membership, Role, hash_token

from tests.factories import text

LINK = re.compile(r'value="(http://testserver/teams/join/([A-Za-z0-9_-]+)/)"')


def create_link(team, role="editor", days=7):
    response = team.client("owner").post(reverse("teams:invitation_create", args=[team.workspace.public_id]),
                                         {"role": role, "days": days})
    assert response.status_code == 200
    link, token = LINK.search(text(response)).groups()
    return link, token


def test_it_shows_the_link_once_and_stores_only_its_hash(team):
    link, token = create_link(team)
    invitation = Invitation.objects.get()
    assert len(token) >= 43
    assert invitation.token_hash == hash_token(token)
    assert token not in str(Invitation.objects.values().get())
    later = text(team.client("owner").get(reverse("teams:settings", args=[team.workspace.public_id])))
    assert token not in later
    assert "Revoke" in later


def test_it_makes_whoever_opens_it_a_member_once(team, make_user):
    _link, token = create_link(team, role="viewer")
    newcomer, latecomer = make_user("nora"), make_user("luke")
    client = team.client("owner")
    client.force_login(newcomer)
    page = client.get(reverse("teams:join", args=[token]))
    assert "Join Research" in text(page) and "viewer" in text(page)
    joined = client.post(reverse("teams:join", args=[token]))
    assert joined.url == reverse("playground")
    assert Membership.objects.get(workspace=team.workspace, user=newcomer).role == Role.VIEWER
    client.force_login(latecomer)
    again = client.post(reverse("teams:join", args=[token]))
    assert again.status_code == 404
    assert "This link does not work" in text(again)
    assert not Membership.objects.filter(workspace=team.workspace, user=latecomer).exists()


def test_it_refuses_an_expired_link(team, make_user):
    _link, token = create_link(team)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client = team.client("outsider")
    assert client.post(reverse("teams:join", args=[token])).status_code == 404
    assert not Membership.objects.filter(workspace=team.workspace, user=team.outsider).exists()


def test_it_refuses_a_revoked_link(team):
    _link, token = create_link(team)
    invitation = Invitation.objects.get()
    team.client("owner").post(reverse("teams:invitation_revoke", args=[team.workspace.public_id, invitation.public_id]))
    assert team.client("outsider").post(reverse("teams:join", args=[token])).status_code == 404


def test_it_refuses_a_made_up_token(team):
    assert team.client("outsider").get(reverse("teams:join", args=["x" * 43])).status_code == 404


def test_it_asks_a_visitor_to_sign_in_first(client, team):
    _link, token = create_link(team)
    response = client.get(reverse("teams:join", args=[token]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_does_not_use_up_the_link_on_a_member(team):
    _link, token = create_link(team)
    response = team.client("editor").post(reverse("teams:join", args=[token]))
    assert "already a member" in text(response)
    assert Invitation.objects.get().used_at is None
