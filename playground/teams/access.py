"""Access checks in one place. Every view and every socket action starts with one of these.

They take public ids (never database ids) and raise Http404 when the object does not exist OR
the user may not see it, so a guessed id tells nothing; PermissionDenied when the user may see it
but not do what was asked (a viewer trying to run).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from playground.ops.local import LOCAL_PROVIDER_ID, local_config, local_provider
from playground.providers.config import ProviderConfig

from .models import Invitation, Membership, ProviderCredential, Role, Workspace, hash_token
from .urlcheck import check_provider_url

DEFAULT_PROVIDER_ID = "default"
SESSION_WORKSPACE_KEY = "workspace"


def personal_workspace(user) -> Workspace:
    try:
        return user.personal_workspace
    except Workspace.DoesNotExist:
        pass
    with transaction.atomic():
        workspace, created = Workspace.objects.get_or_create(personal_for=user, defaults={"name": "Personal"})
        if created:
            Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    return workspace


def membership_for(user, workspace: Workspace) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(workspace=workspace, user=user).first()


def check_role(membership: Membership | None, *, write: bool = False, manage: bool = False) -> Membership:
    if membership is None:
        raise Http404("No such workspace.")
    if manage and not membership.can_manage:
        raise PermissionDenied("Only owners of this workspace can do that.")
    if write and not membership.can_write:
        raise PermissionDenied("Viewers cannot change or run anything in this workspace.")
    return membership


def get_workspace_for(user, public_id: str, *, write: bool = False, manage: bool = False) -> tuple[Workspace, Membership]:
    workspace = Workspace.objects.filter(public_id=public_id).first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace, check_role(membership_for(user, workspace), write=write, manage=manage)


def current_workspace(request) -> tuple[Workspace, Membership]:
    """The workspace chosen in this browser session, or the user's personal one."""
    return workspace_for_session(request.user, request.session)


def workspace_for_session(user, session) -> tuple[Workspace, Membership]:
    """Same as current_workspace, from a session (a socket's scope has one, but no request)."""
    chosen = session.get(SESSION_WORKSPACE_KEY) if session is not None else None
    if chosen:
        try:
            return get_workspace_for(user, chosen)
        except Http404:
            pass
    workspace = personal_workspace(user)
    return workspace, check_role(membership_for(user, workspace))


@dataclass(frozen=True)
class ProviderChoice:
    """A provider a workspace can run against: a stored credential, or "Default" from the environment."""

    public_id: str
    name: str
    kind: str
    base_url: str
    credential: ProviderCredential | None = None

    def config(self) -> ProviderConfig:
        if self.public_id == LOCAL_PROVIDER_ID:
            return local_config()
        if self.credential is None:
            return ProviderConfig(name=self.name, kind="openai", base_url=settings.OPENAI_BASE_URL, api_key=settings.OPENAI_API_KEY)
        c = self.credential
        return ProviderConfig(
            name=c.name,
            kind=c.kind,
            base_url=c.base_url,
            api_key=c.api_key(),
            api_version=c.api_version or None,
            extra_headers=c.extra_headers(),
        )

    def checked_config(self) -> ProviderConfig:
        """config(), after checking again that a stored credential's URL reaches only public
        addresses (DNS may have changed since it was saved) and that its key and headers can be
        sent. Raises ValidationError.

        "Default" and "Local" are not checked: the operator chose those URLs, not a workspace member."""
        if self.credential is not None:
            check_provider_url(self.base_url)
        config = self.config()
        # Saved before the form refused such values: say so instead of failing inside the HTTP client.
        problem = config.unsendable()
        if problem:
            raise ValidationError(f"{problem}: edit the provider {config.name} and enter it again.")
        return config


def providers_for(workspace: Workspace) -> list[ProviderChoice]:
    choices = []
    if settings.OPENAI_API_KEY:
        choices.append(ProviderChoice(DEFAULT_PROVIDER_ID, "Default", "openai", settings.OPENAI_BASE_URL))
    local = local_provider()
    if local is not None:
        choices.append(ProviderChoice(**local))
    for credential in workspace.providers.all():
        choices.append(ProviderChoice(credential.public_id, credential.name, credential.kind, credential.base_url, credential))
    return choices


def get_provider_for(workspace: Workspace, public_id: str) -> ProviderChoice:
    for choice in providers_for(workspace):
        if choice.public_id == public_id:
            return choice
    raise Http404("No such provider in this workspace.")


def get_conversation_for(user, public_id: str, *, write: bool = False):
    from playground.conversations.models import Conversation, Visibility

    conversation = Conversation.objects.select_related("workspace").filter(public_id=public_id, deleted_at=None).first()
    if conversation is None:
        raise Http404("No such session.")
    membership = membership_for(user, conversation.workspace)
    if membership is None or (conversation.visibility == Visibility.PRIVATE and conversation.author_id != user.pk):
        raise Http404("No such session.")
    check_role(membership, write=write)
    return conversation


def get_run_for(user, public_id: str, *, write: bool = False):
    from playground.runs.models import Run

    run = Run.objects.select_related("conversation").filter(public_id=public_id).first()
    if run is None:
        raise Http404("No such run.")
    get_conversation_for(user, run.conversation.public_id, write=write)
    return run


def workspaces_for(user) -> list[tuple[Workspace, Membership]]:
    """Every workspace the user belongs to, personal first, then by name (for the switcher)."""
    personal_workspace(user)
    memberships = Membership.objects.filter(user=user).select_related("workspace")
    pairs = [(membership.workspace, membership) for membership in memberships]
    return sorted(pairs, key=lambda pair: (not pair[0].is_personal, pair[0].name.lower(), pair[0].pk))


def check_shared(workspace: Workspace) -> None:
    """Member and invitation management exist only for team workspaces."""
    if workspace.is_personal:
        raise PermissionDenied("A personal workspace is never shared. Create a team workspace to work with others.")


def get_member_for(workspace: Workspace, username: str) -> Membership:
    membership = Membership.objects.select_related("user").filter(workspace=workspace, user__username=username).first()
    if membership is None:
        raise Http404("No such member in this workspace.")
    return membership


def get_credential_for(user, workspace_id: str, credential_id: str, *, manage: bool = True) -> tuple[Workspace, ProviderCredential]:
    """A stored credential of a workspace; managing it (the default) is for owners only."""
    workspace, _membership = get_workspace_for(user, workspace_id, manage=manage)
    credential = ProviderCredential.objects.filter(workspace=workspace, public_id=credential_id).first()
    if credential is None:
        raise Http404("No such provider in this workspace.")
    return workspace, credential


def get_invitation_for(user, workspace_id: str, invitation_id: str) -> tuple[Workspace, Invitation]:
    """An invitation of a team workspace, to revoke it (owners only)."""
    workspace, _membership = get_workspace_for(user, workspace_id, manage=True)
    invitation = Invitation.objects.filter(workspace=workspace, public_id=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return workspace, invitation


def get_invitation_by_token(token: str) -> Invitation | None:
    """The usable invitation a link's token opens, or None (unknown, used or expired alike)."""
    invitation = Invitation.objects.select_related("workspace", "created_by").filter(token_hash=hash_token(token)).first()
    return invitation if invitation is not None and invitation.is_usable else None
