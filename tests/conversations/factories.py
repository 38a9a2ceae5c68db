"""Sessions and runs made straight in the database, as finished runs leave them."""

from django.contrib.auth import get_user_model
from django.test import Client

from playground.conversations.models import Conversation, Visibility
from playground.conversations.search import reindex
from playground.runs.models import Run, Status
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Membership, Role, Workspace

def make_user(username: str):
    # No password: tests sign in with force_login, and hashing one is the slowest step of a test.
    user = get_user_model().objects.create_user(username=username)
    personal_workspace(user)
    return user


def make_team(owner, *members, role=Role.EDITOR) -> Workspace:
    workspace = Workspace.objects.create(name="Team")
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    for member in members:
        Membership.objects.create(workspace=workspace, user=member, role=role)
    return workspace


def client_for(user, workspace=None) -> Client:
    client = Client()
    client.force_login(user)
    if workspace is not None:
        session = client.session
        session[SESSION_WORKSPACE_KEY] = workspace.public_id
        session.save()
    return client


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
    from playground.conversations.branches import branch_messages

    return make_run(parent.conversation, prompt, answer, parent=parent, history=branch_messages(parent), **kwargs)
