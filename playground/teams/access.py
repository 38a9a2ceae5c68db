"""Access checks in one place. Every view and every socket action starts with one of these.

They take public ids (never database ids) and raise Http404 when the object does not exist OR
the user may not see it, so a guessed id tells nothing; PermissionDenied when the user may see it
but not do what was asked (a viewer trying to run).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from .models import Invitation, Membership, Role, Workspace, hash_token

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
    # The personal workspace and the membership in it in one query (every run start asks).
    membership = Membership.objects.select_related("workspace").filter(user=user, workspace__personal_for=user).first()
    if membership is not None:
        return membership.workspace, membership
    workspace = personal_workspace(user)
    return workspace, check_role(membership_for(user, workspace))


def check_conversation(user, conversation, *, write: bool = False):
    """May `user` see (or, with write, change) this session? Http404 when it is not theirs to see:
    deleted, in a workspace they are not a member of, or someone else's private session."""
    membership = membership_for(user, conversation.workspace)
    if membership is None or conversation.deleted_at is not None or not conversation.visible_to(user):
        raise Http404("No such session.")
    check_role(membership, write=write)
    return conversation


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
