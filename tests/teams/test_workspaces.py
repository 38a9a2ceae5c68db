"""Team workspaces: creating, switching, members and roles, and never losing the last owner."""

from django.urls import reverse

from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Membership, Role, Workspace

from tests.factories import text


def role_of(workspace, user):
    return Membership.objects.get(workspace=workspace, user=user).role


def test_it_creates_a_team_workspace_owned_by_its_creator_and_switches_to_it(client, alice):
    client.force_login(alice)
    response = client.post(reverse("teams:new"), {"name": "Lab"})
    workspace = Workspace.objects.get(name="Lab")
    assert response.url == reverse("teams:settings", args=[workspace.public_id])
    assert role_of(workspace, alice) == Role.OWNER
    assert client.session[SESSION_WORKSPACE_KEY] == workspace.public_id


def test_it_keeps_what_was_typed_when_the_name_is_missing(client, alice):
    client.force_login(alice)
    response = client.post(reverse("teams:new"), {"name": "  "})
    assert response.status_code == 400
    assert "This field is required." in text(response)


def test_it_switches_the_sessions_workspace_and_opens_the_same_page_there(team):
    client = team.client("viewer")
    personal = personal_workspace(team.viewer)
    here = reverse("providers:list", args=[personal.public_id])
    response = client.post(reverse("teams:switch"), {"workspace": team.workspace.public_id, "next": here})
    assert response.url == reverse("providers:list", args=[team.workspace.public_id])
    assert client.session[SESSION_WORKSPACE_KEY] == team.workspace.public_id


def test_it_sends_htmx_switches_home_and_never_to_a_foreign_next(team):
    client = team.client("editor")
    response = client.post(reverse("teams:switch"), {"workspace": team.workspace.public_id, "next": "https://evil.example/"},
                           HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("playground")


def test_it_refuses_to_switch_to_a_workspace_the_user_is_not_in(team):
    client = team.client("outsider")
    response = client.post(reverse("teams:switch"), {"workspace": team.workspace.public_id})
    assert response.status_code == 404
    assert SESSION_WORKSPACE_KEY not in client.session


def test_it_shows_the_switcher_with_every_workspace_of_the_user(team):
    html = text(team.client("editor").get(reverse("teams:settings", args=[team.workspace.public_id])))
    assert 'id="workspace-switcher"' in html
    assert "Research" in html and "Personal (just you)" in html


def test_it_lets_an_owner_add_a_member_by_username(team, make_user):
    newcomer = make_user("nora")
    response = team.client("owner").post(reverse("teams:member_add", args=[team.workspace.public_id]),
                                         {"username": "nora", "role": "viewer"})
    assert response.status_code == 302
    assert role_of(team.workspace, newcomer) == Role.VIEWER


def test_it_says_when_the_username_does_not_exist(team):
    response = team.client("owner").post(reverse("teams:member_add", args=[team.workspace.public_id]),
                                         {"username": "nobody", "role": "viewer"})
    assert response.status_code == 400
    assert "There is no user called nobody" in text(response)
    assert 'value="nobody"' in text(response)


def test_it_lets_an_owner_change_roles(team):
    client = team.client("owner")
    client.post(reverse("teams:member_role", args=[team.workspace.public_id]), {"member": "vera", "role": "editor"})
    assert role_of(team.workspace, team.viewer) == Role.EDITOR


def test_it_never_leaves_a_workspace_without_an_owner(team):
    client = team.client("owner")
    url = team.workspace.public_id
    demoted = client.post(reverse("teams:member_role", args=[url]), {"member": "olivia", "role": "editor"})
    assert demoted.status_code == 400
    assert "needs at least one owner" in text(demoted)
    removed = client.post(reverse("teams:member_remove", args=[url]), {"member": "olivia"})
    assert removed.status_code == 400
    left = client.post(reverse("teams:leave", args=[url]))
    assert left.status_code == 400
    assert role_of(team.workspace, team.owner) == Role.OWNER


def test_it_lets_the_last_owner_leave_once_someone_else_owns_it(team):
    client = team.client("owner")
    client.post(reverse("teams:member_role", args=[team.workspace.public_id]), {"member": "eddie", "role": "owner"})
    response = client.post(reverse("teams:leave", args=[team.workspace.public_id]))
    assert response.url == reverse("playground")
    assert not Membership.objects.filter(workspace=team.workspace, user=team.owner).exists()


def test_it_lets_a_member_leave_and_forgets_the_workspace_in_the_session(team):
    client = team.client("viewer")
    client.post(reverse("teams:switch"), {"workspace": team.workspace.public_id})
    client.post(reverse("teams:leave", args=[team.workspace.public_id]))
    assert not Membership.objects.filter(workspace=team.workspace, user=team.viewer).exists()
    assert SESSION_WORKSPACE_KEY not in client.session


def test_it_lets_an_owner_remove_a_member(team):
    team.client("owner").post(reverse("teams:member_remove", args=[team.workspace.public_id]), {"member": "eddie"})
    assert not Membership.objects.filter(workspace=team.workspace, user=team.editor).exists()


def test_it_never_shares_a_personal_workspace(team):
    personal = personal_workspace(team.owner)
    client = team.client("owner")
    added = client.post(reverse("teams:member_add", args=[personal.public_id]), {"username": "eddie", "role": "editor"})
    assert added.status_code == 403
    invited = client.post(reverse("teams:invitation_create", args=[personal.public_id]), {"role": "editor", "days": 7})
    assert invited.status_code == 403
    assert client.post(reverse("teams:leave", args=[personal.public_id])).status_code == 403
    assert list(personal.memberships.values_list("user__username", flat=True)) == ["olivia"]


def test_it_lets_an_owner_rename_the_workspace(team):
    team.client("owner").post(reverse("teams:rename", args=[team.workspace.public_id]), {"name": "Research & Dev"})
    team.workspace.refresh_from_db()
    assert team.workspace.name == "Research & Dev"
