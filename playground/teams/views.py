"""Team pages: the workspace switcher, workspace settings (members, roles, invitations), joining by
link, and the throttled sign-in page.

Every view starts with an access helper from access.py: a workspace the user is not in is a 404,
an action their role does not allow a 403.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from . import access
from .forms import (
    AddMemberForm,
    ChangeRoleForm,
    InvitationForm,
    MemberForm,
    SwitchWorkspaceForm,
    ThrottledAuthenticationForm,
    WorkspaceForm,
)
from .models import Invitation, Role, Workspace

# Pages that exist for every workspace (URL namespace, name): switching while on one opens the same
# page of the new one.
PER_WORKSPACE_PAGES = (("teams", "settings"), ("providers", "list"))


class SignInView(LoginView):
    authentication_form = ThrottledAuthenticationForm


# Switching and creating workspaces


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    form = SwitchWorkspaceForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Choose a workspace.", status=400)
    workspace, _membership = access.get_workspace_for(request.user, form.cleaned_data["workspace"])
    request.session[access.SESSION_WORKSPACE_KEY] = workspace.public_id
    destination = _same_page_in(workspace, form.cleaned_data["next"])
    return HttpResponseClientRedirect(destination) if request.htmx else redirect(destination)


def _same_page_in(workspace: Workspace, next_url: str) -> str:
    # Only URLs we build ourselves: `next` picks a page, it is never followed as given.
    try:
        match = resolve(urlsplit(next_url or "/").path)
    except Resolver404:
        match = None
    if match is not None and (match.namespace, match.url_name) in PER_WORKSPACE_PAGES:
        return reverse(f"{match.namespace}:{match.url_name}", args=[workspace.public_id])
    return reverse("playground")


@login_required
@require_http_methods(["GET", "POST"])
def workspace_new(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = Workspace.objects.create(name=form.cleaned_data["name"])
        workspace.memberships.create(user=request.user, role=Role.OWNER)
        request.session[access.SESSION_WORKSPACE_KEY] = workspace.public_id
        messages.success(request, f"Created {workspace.name}. You are its owner; add your teammates below.")
        return redirect("teams:settings", workspace.public_id)
    return render(request, "teams/workspace_new.html", {"form": form}, status=400 if form.errors else 200)


# Workspace settings: members, roles, invitations


@login_required
def workspace_settings(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws)
    return _settings_page(request, workspace, membership)


def _settings_page(request, workspace, membership, *, status=200, new_link="", **forms) -> HttpResponse:
    members = workspace.memberships.select_related("user").order_by("user__username")
    invitations = [i for i in workspace.invitations.select_related("created_by") if i.is_usable] if membership.can_manage else []
    context = {
        "workspace": workspace, "membership": membership, "members": members, "invitations": invitations,
        "roles": Role.choices, "new_link": new_link, "section": "settings",
        "rename_form": forms.get("rename_form") or WorkspaceForm(initial={"name": workspace.name}),
        "add_form": forms.get("add_form") or AddMemberForm(),
        "invite_form": forms.get("invite_form") or InvitationForm(),
        "member_error": forms.get("member_error", ""),
    }
    return render(request, "teams/workspace_settings.html", context, status=status)


@login_required
@require_POST
def workspace_rename(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws, manage=True)
    form = WorkspaceForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, workspace, membership, status=400, rename_form=form)
    workspace.name = form.cleaned_data["name"]
    workspace.save(update_fields=["name"])
    messages.success(request, "Renamed the workspace.")
    return redirect("teams:settings", workspace.public_id)


@login_required
@require_POST
def member_add(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws, manage=True)
    access.check_shared(workspace)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            workspace.add_member(form.cleaned_data["user"], form.cleaned_data["role"])
        except ValidationError as error:
            form.add_error("username", error)
    if form.errors:
        return _settings_page(request, workspace, membership, status=400, add_form=form)
    messages.success(request, f"Added {form.cleaned_data['username']} as {Role(form.cleaned_data['role']).label.lower()}.")
    return redirect("teams:settings", workspace.public_id)


@login_required
@require_POST
def member_role(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws, manage=True)
    access.check_shared(workspace)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, workspace, membership, status=400, member_error="Choose a member and a role.")
    member = access.get_member_for(workspace, form.cleaned_data["member"])
    try:
        workspace.change_role(member, form.cleaned_data["role"])
    except ValidationError as error:
        return _settings_page(request, workspace, membership, status=400, member_error=error.messages[0])
    messages.success(request, f"{member.user.get_username()} is now {Role(form.cleaned_data['role']).label.lower()}.")
    return redirect("teams:settings", workspace.public_id)


@login_required
@require_POST
def member_remove(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws, manage=True)
    access.check_shared(workspace)
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, workspace, membership, status=400, member_error="Choose a member.")
    member = access.get_member_for(workspace, form.cleaned_data["member"])
    try:
        workspace.remove_member(member)
    except ValidationError as error:
        return _settings_page(request, workspace, membership, status=400, member_error=error.messages[0])
    messages.success(request, f"Removed {member.user.get_username()} from {workspace.name}.")
    if member.user_id == request.user.pk:
        return redirect("playground")
    return redirect("teams:settings", workspace.public_id)


@login_required
@require_POST
def leave(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws)
    access.check_shared(workspace)
    try:
        workspace.remove_member(membership)
    except ValidationError as error:
        return _settings_page(request, workspace, membership, status=400, member_error=error.messages[0])
    if request.session.get(access.SESSION_WORKSPACE_KEY) == workspace.public_id:
        del request.session[access.SESSION_WORKSPACE_KEY]
    messages.success(request, f"You left {workspace.name}.")
    return redirect("playground")


@login_required
@require_POST
def invitation_create(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = access.get_workspace_for(request.user, ws, manage=True)
    access.check_shared(workspace)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, workspace, membership, status=400, invite_form=form)
    _invitation, token = Invitation.create(workspace, form.cleaned_data["role"], request.user, form.cleaned_data["days"])
    # Rendered, not redirected: the clear token exists only in this response.
    link = request.build_absolute_uri(reverse("teams:join", args=[token]))
    return _settings_page(request, workspace, membership, new_link=link)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, ws: str, invitation_id: str) -> HttpResponse:
    workspace, invitation = access.get_invitation_for(request.user, ws, invitation_id)
    invitation.delete()
    messages.success(request, "Revoked the invitation link; it no longer works.")
    return redirect("teams:settings", workspace.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = access.get_invitation_by_token(token)
    if invitation is None:
        return render(request, "teams/join_invalid.html", status=404)
    error = ""
    if request.method == "POST":
        try:
            invitation.accept(request.user)
        except ValidationError as problem:
            error = problem.messages[0]
        else:
            request.session[access.SESSION_WORKSPACE_KEY] = invitation.workspace.public_id
            messages.success(request, f"Welcome to {invitation.workspace.name}.")
            return redirect("playground")
    already = invitation.workspace.memberships.filter(user=request.user).exists()
    context = {"invitation": invitation, "error": error, "already_member": already}
    return render(request, "teams/join.html", context, status=400 if error else 200)
