"""A team workspace with one member of each role, an outsider, and their signed-in clients."""

from dataclasses import dataclass

import pytest
from django.test import Client

from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Membership, ProviderCredential, Role, Workspace

SECRET_KEY = "sk-live-TOPSECRET-0123456789abcdef"
SECRET_HEADER = "gw-HEADERSECRET-987654321"


@dataclass
class Team:
    workspace: Workspace
    owner: object
    editor: object
    viewer: object
    outsider: object
    credential: ProviderCredential

    def client(self, who: str) -> Client:
        client = Client()
        client.force_login(getattr(self, who))
        return client


def in_workspace(client: Client, workspace: Workspace) -> Client:
    session = client.session
    session[SESSION_WORKSPACE_KEY] = workspace.public_id
    session.save()
    return client


def make_credential(workspace, name="Gateway", base_url="https://api.example.com/v1", key=SECRET_KEY, headers=None):
    credential = ProviderCredential(workspace=workspace, name=name, kind="compatible", base_url=base_url)
    credential.set_api_key(key)
    credential.set_extra_headers(headers if headers is not None else {"X-Gateway-Token": SECRET_HEADER})
    credential.save()
    return credential


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Each test makes several users; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db, make_user):
    owner, editor, viewer, outsider = (make_user(name) for name in ("olivia", "eddie", "vera", "mallory"))
    workspace = Workspace.objects.create(name="Research")
    for user, role in ((owner, Role.OWNER), (editor, Role.EDITOR), (viewer, Role.VIEWER)):
        Membership.objects.create(workspace=workspace, user=user, role=role)
    personal_workspace(outsider)
    return Team(workspace, owner, editor, viewer, outsider, make_credential(workspace))


def body(response) -> str:
    return response.content.decode()
