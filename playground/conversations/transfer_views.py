"""Export a session (JSON, Markdown), import one, and the workspace's model prices page."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.teams.access import check_role, current_workspace, get_conversation_for

from .export import ImportProblem, create_session, parse_import, session_data, session_markdown
from .forms import ImportForm, ModelPriceForm
from .models import ModelPrice


def _download(content: str, conversation, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    name = slugify(conversation.title)[:60] or "session"
    response["Content-Disposition"] = f'attachment; filename="{name}-{conversation.public_id}.{extension}"'
    return response


@login_required
@require_GET
def export_json(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id)
    content = json.dumps(session_data(conversation), indent=2, ensure_ascii=False)
    return _download(content, conversation, "json", "application/json")


@login_required
@require_GET
def export_markdown(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id)
    return _download(session_markdown(conversation), conversation, "md", "text/markdown")


@login_required
@require_http_methods(["GET", "POST"])
def import_session(request: HttpRequest) -> HttpResponse:
    """A session export or a bare request body becomes a new private session in the current workspace."""
    workspace, membership = current_workspace(request)
    check_role(membership, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            parsed = parse_import(form.cleaned_data["parsed_json"])
        except ImportProblem as problem:
            problems = problem.errors
        else:
            conversation = create_session(parsed, user=request.user, workspace=workspace)
            return redirect("conversation", conversation.public_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "conversations/import.html", {"form": form, "problems": problems, "workspace": workspace}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prices(request: HttpRequest) -> HttpResponse:
    workspace, membership = current_workspace(request)
    form = ModelPriceForm(request.POST or None, workspace=workspace)
    if request.method == "POST":
        check_role(membership, write=True)
        if form.is_valid():
            form.instance.workspace = workspace
            form.save()
            return redirect("conversations:prices")
    context = {"workspace": workspace, "prices": ModelPrice.objects.filter(workspace=workspace), "form": form,
               "can_write": membership.can_write}
    return render(request, "conversations/prices.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def delete_price(request: HttpRequest, price_id: str) -> HttpResponse:
    workspace, membership = current_workspace(request)
    price = ModelPrice.objects.filter(workspace=workspace, public_id=price_id).first()
    if price is None:
        raise Http404("No such price.")
    if not membership.can_write:
        raise PermissionDenied("Viewers cannot change prices.")
    price.delete()
    return redirect("conversations:prices")
