"""The admin shows staff users, workspaces with members and usage, and credentials without secrets."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import text


@pytest.fixture
def staff_client(db, make_user):
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_it_lists_workspaces_with_members_and_run_counts(staff_client, team):
    html = text(staff_client.get(reverse("admin:teams_workspace_changelist")))
    assert "Research" in html and "Runs (30 days)" in html
    change = text(staff_client.get(reverse("admin:teams_workspace_change", args=[team.workspace.pk])))
    assert "olivia" in change or f'value="{team.owner.pk}"' in change


def test_it_shows_a_users_workspaces_on_the_user_page(staff_client, team):
    html = text(staff_client.get(reverse("admin:auth_user_change", args=[team.editor.pk])))
    assert "Memberships" in html


def test_it_does_not_let_staff_add_or_edit_credentials(staff_client, team):
    assert staff_client.get(reverse("admin:providers_providercredential_add")).status_code == 403
    change_url = reverse("admin:providers_providercredential_change", args=[team.credential.pk])
    staff_client.post(change_url, {"name": "Hijacked", "base_url": "http://169.254.169.254/"})
    team.credential.refresh_from_db()
    assert team.credential.name == "Gateway"
