"""Every workspace page (team settings and providers), hit by an owner, an editor, a viewer and an outsider: outsiders get 404 for
another workspace's ids, roles without the right get 403, and no refused page leaks anything."""

import pytest
from django.urls import reverse

from playground.providers.models import ProviderCredential
from playground.teams.access import personal_workspace
from playground.teams.models import Invitation, Membership
from tests.factories import SECRET_HEADER, SECRET_KEY, make_credential, text

# (url name, method, POST data, who may): "manage" owners only, "write" owners and editors,
# "member" every member.
VIEWS = [
    ("teams:settings", "get", None, "member"),
    ("providers:list", "get", None, "member"),
    ("teams:rename", "post", {"name": "Renamed"}, "manage"),
    ("teams:member_add", "post", {"username": "mallory", "role": "viewer"}, "manage"),
    ("teams:member_role", "post", {"member": "vera", "role": "editor"}, "manage"),
    ("teams:member_remove", "post", {"member": "vera"}, "manage"),
    ("teams:invitation_create", "post", {"role": "owner", "days": 7}, "manage"),
    ("teams:invitation_revoke", "post", {}, "manage"),
    ("providers:new", "get", None, "manage"),
    ("providers:new", "post", {"name": "X", "kind": "compatible", "base_url": "https://x.example/v1"}, "manage"),
    ("providers:edit", "get", None, "manage"),
    ("providers:edit", "post", {"name": "X", "kind": "compatible", "base_url": "https://x.example/v1"}, "manage"),
    ("providers:delete", "get", None, "manage"),
    ("providers:delete", "post", {}, "manage"),
    ("providers:test", "post", {}, "write"),
    ("teams:leave", "post", {}, "member"),
]
ALLOWED = {"owner": {"member", "write", "manage"}, "editor": {"member", "write"}, "viewer": {"member"}, "outsider": set()}
# Nothing about the team may show on a refused page.
TEAM_WORDS = ["Research", "Gateway", "olivia", "eddie", "vera", "api.example.com", SECRET_KEY, SECRET_HEADER]


def args_for(name, team, invitation):
    ws = team.workspace.public_id
    if name.startswith("providers:") and name not in ("providers:new", "providers:list"):
        return [ws, team.credential.public_id]
    if name == "teams:invitation_revoke":
        return [ws, invitation.public_id]
    return [ws]


def call(client, method, url, data):
    return client.get(url) if method == "get" else client.post(url, data or {})


def assert_nothing_leaks(response):
    html = text(response)
    if response.status_code == 403 and "<main" in html:
        # A member's 403 is a page of the app: its top bar shows their own name and their own
        # workspaces (this team's name among them), as every page does. What the refusal itself
        # says must not show what the role may not see.
        html = html.split("<main", 1)[1].split("</main>", 1)[0]
        assert "Not allowed" in html
    for word in TEAM_WORDS:
        assert word not in html, f"{word!r} leaked in a {response.status_code}"


def state(team):
    return (
        team.workspace.__class__.objects.get(pk=team.workspace.pk).name,
        sorted(Membership.objects.filter(workspace=team.workspace).values_list("user__username", "role")),
        sorted(ProviderCredential.objects.filter(workspace=team.workspace)
           .values_list("name", "base_url", "api_key_encrypted", "extra_headers_encrypted")),
        Invitation.objects.filter(workspace=team.workspace).count(),
    )


REFUSED = [(who, *view) for who in ("editor", "viewer", "outsider") for view in VIEWS if view[3] not in ALLOWED[who]]


@pytest.mark.parametrize("who, name, method, data, needs", REFUSED, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in REFUSED])
def test_it_refuses_what_a_role_may_not_do(team, who, name, method, data, needs):
    invitation, _token = Invitation.create(team.workspace, "editor", team.owner)
    before = state(team)
    response = call(team.client(who), method, reverse(name, args=args_for(name, team, invitation)), data)
    assert response.status_code == (404 if who == "outsider" else 403)
    assert_nothing_leaks(response)
    assert state(team) == before


@pytest.mark.parametrize("name, method, data, needs", [v for v in VIEWS if v[3] == "member" and v[1] == "get"])
def test_it_shows_read_pages_to_every_member(team, name, method, data, needs):
    for who in ("owner", "editor", "viewer"):
        assert call(team.client(who), method, reverse(name, args=[team.workspace.public_id]), data).status_code == 200


@pytest.mark.parametrize("name", ["providers:edit", "providers:delete", "providers:test"])
def test_it_does_not_reach_another_workspaces_credential_through_ones_own(team, name):
    foreign = make_credential(personal_workspace(team.outsider), name="Mallory's", key="sk-mallory-secret-0000000")
    url = reverse(name, args=[team.workspace.public_id, foreign.public_id])
    response = team.client("owner").post(url, {"name": "Stolen", "kind": "compatible", "base_url": "https://x.example/v1"})
    assert response.status_code == 404
    assert "Mallory" not in text(response) and "sk-mallory" not in text(response)
    foreign.refresh_from_db()
    assert foreign.name == "Mallory's"


def test_it_does_not_revoke_another_workspaces_invitation(team):
    foreign_team = team.workspace.__class__.objects.create(name="Elsewhere")
    invitation, _token = Invitation.create(foreign_team, "owner", team.outsider)
    url = reverse("teams:invitation_revoke", args=[team.workspace.public_id, invitation.public_id])
    assert team.client("owner").post(url).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_it_does_not_change_members_of_another_workspace(team, make_user):
    elsewhere = team.workspace.__class__.objects.create(name="Elsewhere")
    stranger = make_user("stan")
    Membership.objects.create(workspace=elsewhere, user=stranger, role="owner")
    response = team.client("owner").post(reverse("teams:member_remove", args=[team.workspace.public_id]), {"member": "stan"})
    assert response.status_code == 404
    assert Membership.objects.filter(workspace=elsewhere, user=stranger).exists()


@pytest.mark.parametrize("name, method, data, needs", VIEWS, ids=[f"{v[0]}-{v[1]}" for v in VIEWS])
def test_it_sends_visitors_to_sign_in(client, team, name, method, data, needs):
    invitation, _token = Invitation.create(team.workspace, "editor", team.owner)
    response = call(client, method, reverse(name, args=args_for(name, team, invitation)), data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


POST_ONLY = ["teams:rename", "teams:member_add", "teams:member_role", "teams:member_remove", "teams:invitation_create",
             "teams:leave", "providers:test"]


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_changes_nothing_on_get(team, name):
    extra = [team.credential.public_id] if name == "providers:test" else []
    url = reverse(name, args=[team.workspace.public_id, *extra])
    assert team.client("owner").get(url).status_code == 405


def test_it_requires_the_csrf_token(team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.owner)
    url = reverse("teams:member_role", args=[team.workspace.public_id])
    assert client.post(url, {"member": "vera", "role": "owner"}).status_code == 403
    assert Membership.objects.get(workspace=team.workspace, user=team.viewer).role == "viewer"
