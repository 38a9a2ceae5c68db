"""Read-only share links: create and revoke them, show a shared session, and fork it.

A link is found by the hash of its token; a revoked or expired link, or one whose session was
deleted, is a 404 like any unknown token. "Signed-in users only" links send anonymous visitors to
the login page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from playground.runs import branches, differences
from playground.runs.pricing import cost_for, prices_of
from playground.runs.render import render_markdown
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Role, Workspace

from .access import get_conversation_for
from .export import fork as fork_copy
from .forms import ForkForm, ShareForm
from .models import Audience, ShareLink, hash_token


@login_required
@require_http_methods(["GET", "POST"])
def share_settings(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """Make a link (replacing the previous one; the token is shown this once) or see the current one."""
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    form = ShareForm(request.POST or None)
    new_url = None
    if request.method == "POST" and form.is_valid():
        _link, token = ShareLink.issue(conversation, user=request.user, audience=form.cleaned_data["audience"],
                                       expires_at=form.expires_at())
        new_url = request.build_absolute_uri(reverse("conversations:shared", args=[token]))
        form = ShareForm()
    active = [link for link in conversation.share_links.filter(revoked_at=None).order_by("-created_at") if link.is_active]
    return render(request, "conversations/share_settings.html",
                  {"conversation": conversation, "form": form, "active": active[0] if active else None, "new_url": new_url})


@login_required
@require_POST
def revoke(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    conversation.share_links.filter(revoked_at=None).update(revoked_at=timezone.now())
    return redirect("conversations:share", conversation.public_id)


def _link_for(token: str) -> ShareLink:
    link = ShareLink.objects.select_related("conversation").filter(token_hash=hash_token(token)).first()
    if link is None or not link.is_active or link.conversation.deleted_at is not None:
        raise Http404("This link does not exist, was revoked, or has expired.")
    return link


def _run_view(run, parent, prices) -> dict:
    return {
        "run": run,
        "messages": [{"role": m.get("role", "?"), "text": branches.message_text(m)} for m in branches.new_messages(run, parent)],
        "parameters": [(key, differences.display(value)) for key, value in differences.flatten(run.request).items()],
        "answers": [{"index": c.get("index", 0), "html": render_markdown(c.get("content") or ""), "finish_reason": c.get("finish_reason")}
                    for c in run.choices or []],
        "error": (run.error or {}).get("message"),
        "cost": cost_for(run, prices),
    }


@require_http_methods(["GET"])
def shared(request: HttpRequest, token: str) -> HttpResponse:
    link = _link_for(token)
    if link.conversation.is_experiment:
        # An experiment's link shows its grid (experiments/), whichever of the two addresses it came by.
        return redirect(reverse("experiments:shared", args=[token]))
    if link.audience != Audience.ANYONE and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    conversation = link.conversation
    runs = branches.runs_of(conversation)
    by_pk = {run.pk: run for run in runs}
    prices = prices_of(conversation.workspace_id)
    context = {
        "conversation": conversation,
        "link": link,
        "token": token,
        "runs": [_run_view(run, by_pk.get(run.parent_id), prices) for run in runs],
        "fork_form": ForkForm(workspaces=writable_workspaces(request.user)) if request.user.is_authenticated else None,
    }
    response = render(request, "conversations/shared.html", context)
    # The token is in the URL: never pass it on to another site. "same-origin" rather than
    # "no-referrer": with no referrer Chromium sends `Origin: null` on the page's own forms, and
    # Django's CSRF check refuses the Fork.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def writable_workspaces(user) -> list[Workspace]:
    personal_workspace(user)
    return list(Workspace.objects.filter(memberships__user=user, memberships__role__in=[Role.OWNER, Role.EDITOR])
                .order_by("personal_for", "name"))


@login_required
@require_POST
def fork(request: HttpRequest, token: str) -> HttpResponse:
    """Copy the shared session into a workspace where the user can write, and open it there."""
    link = _link_for(token)
    form = ForkForm(request.POST, workspaces=writable_workspaces(request.user))
    if not form.is_valid():
        raise Http404("No such workspace.")
    workspace = Workspace.objects.get(public_id=form.cleaned_data["workspace"])
    return _forked(request, link.conversation, workspace)


def _forked(request: HttpRequest, conversation, workspace: Workspace) -> HttpResponse:
    copy = fork_copy(conversation, user=request.user, workspace=workspace)
    request.session[SESSION_WORKSPACE_KEY] = workspace.public_id
    messages.success(request, f"Forked into {workspace.name}: this copy is yours to run and change.")
    return redirect("conversation", copy.public_id)


@login_required
@require_POST
def fork_session(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """A session the user may read (a viewer's, say) copied into a workspace where they can run it."""
    conversation = get_conversation_for(request.user, conversation_id)
    form = ForkForm(request.POST, workspaces=writable_workspaces(request.user))
    if not form.is_valid():
        raise Http404("No such workspace.")
    return _forked(request, conversation, Workspace.objects.get(public_id=form.cleaned_data["workspace"]))
