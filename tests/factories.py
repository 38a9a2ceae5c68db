"""The one place tests make users, workspaces with roles, signed-in clients, provider credentials,
sessions and finished runs, straight in the database.

Fixtures built on these (`make_user`, `alice`, `team`) are in tests/conftest.py.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.test import Client

from playground.conversations.models import Conversation, Visibility
from playground.conversations.search import reindex
from playground.providers.models import ProviderCredential
from playground.runs.branches import branch_messages
from playground.runs.models import Run, Status
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Membership, Role, Workspace

PASSWORD = "correct horse battery staple"
SECRET_KEY = "sk-live-TOPSECRET-0123456789abcdef"
SECRET_HEADER = "gw-HEADERSECRET-987654321"


# People and workspaces


def make_user(username: str = "alice", *, password: str | None = None, **extra):
    """A user with a personal workspace. Without a password (the fast default) sign in with
    client_for / force_login; browser tests that use the login form pass one."""
    user = get_user_model().objects.create_user(username=username, password=password, **extra)
    personal_workspace(user)
    return user


def make_team(owner, *members, role: str = Role.EDITOR, name: str = "Team") -> Workspace:
    """A team workspace owned by `owner`, with `members` in `role`."""
    workspace = Workspace.objects.create(name=name)
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    for member in members:
        Membership.objects.create(workspace=workspace, user=member, role=role)
    return workspace


def in_workspace(client: Client, workspace: Workspace) -> Client:
    """The client's browser session switched to `workspace`, as the workspace switcher does."""
    session = client.session
    session[SESSION_WORKSPACE_KEY] = workspace.public_id
    session.save()
    return client


def client_for(user, workspace: Workspace | None = None) -> Client:
    client = Client()
    client.force_login(user)
    return in_workspace(client, workspace) if workspace is not None else client


def make_credential(workspace, name="Gateway", base_url="https://api.example.com/v1", key=SECRET_KEY, headers=None,
                    kind="compatible") -> ProviderCredential:
    credential = ProviderCredential(workspace=workspace, name=name, kind=kind, base_url=base_url)
    credential.set_api_key(key)
    credential.set_extra_headers(headers if headers is not None else {"X-Gateway-Token": SECRET_HEADER})
    credential.save()
    return credential


@dataclass
class Team:
    """A team workspace with one member of each role, an outsider, and a stored credential."""

    workspace: Workspace
    owner: object
    editor: object
    viewer: object
    outsider: object
    credential: ProviderCredential

    def client(self, who: str) -> Client:
        return client_for(getattr(self, who))


def make_team_of_four(name: str = "Research") -> Team:
    owner, editor, viewer, outsider = (make_user(username) for username in ("olivia", "eddie", "vera", "mallory"))
    workspace = make_team(owner, editor, name=name)
    Membership.objects.create(workspace=workspace, user=viewer, role=Role.VIEWER)
    return Team(workspace, owner, editor, viewer, outsider, make_credential(workspace))


# Sessions and runs


def make_session(author, workspace=None, *, title="A session", visibility=Visibility.PRIVATE, **fields) -> Conversation:
    workspace = workspace or personal_workspace(author)
    return Conversation.objects.create(workspace=workspace, author=author, title=title, visibility=visibility, **fields)


def request_body(messages, model="fake-gpt", **params) -> dict:
    return {"model": model, "messages": messages, "stream": True, **params}


def make_run(conversation, prompt="Hello", answer="Hi there", *, parent=None, history=None, model="fake-gpt",
             status=Status.COMPLETED, chunk_times=None, usage=None, index=True, **params) -> Run:
    """A finished run answering `prompt` after `history` (the messages before it)."""
    messages = [*(history or []), {"role": "user", "content": prompt}]
    run = Run.objects.create(
        conversation=conversation, author=conversation.author, parent=parent, provider_name="Fake", model=model,
        request=request_body(messages, model=model, **params), status=status,
        choices=[{"index": 0, "content": answer, "finish_reason": "stop"}],
        usage=usage, chunk_times=chunk_times or [], time_to_first_token=0.1, total_time=0.5, output_tokens=3,
        tokens_per_second=6.0,
    )
    if index:
        reindex(conversation.pk)
    return run


def continue_run(parent: Run, prompt: str, answer: str, **kwargs) -> Run:
    """A run on the branch of `parent`: its messages, its answer, then a new prompt."""
    return make_run(parent.conversation, prompt, answer, parent=parent, history=branch_messages(parent), **kwargs)


def text(response) -> str:
    return response.content.decode()
