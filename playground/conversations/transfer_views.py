"""Export a session (JSON, Markdown) and import one."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from playground.teams.access import check_role, current_workspace

from .access import get_conversation_for
from .export import ImportProblem, create_session, parse_import, session_data, session_markdown
from .forms import ImportForm


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
