"""The history sidebar and managing a session: rename, tags, pin, visibility, delete and undo, trash.

Lists are scoped to the browser session's workspace (`current_workspace`) and to what the member may
see; every action starts with `get_conversation_for(..., write=True)`, so another workspace's id
(or a teammate's private session) is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from playground.providers.resolve import providers_for
from playground.runs import branches
from playground.runs.models import Status
from playground.teams.access import check_role, current_workspace, membership_for

from .access import get_conversation_for
from .forms import HistoryForm, RenameForm, TagsForm, VisibilityForm
from .models import Conversation
from .search import history, reindex, visible_to, with_latest_run

PAGE_SIZE = 30


def _page(request: HttpRequest, form: HistoryForm, *, deleted: bool = False) -> dict:
    workspace, membership = current_workspace(request)
    if not form.is_valid():
        return {"sessions": [], "errors": form.errors, "can_write": membership.can_write}
    page = form.cleaned_data.get("page") or 1
    filters = form.filters()
    rows = list(history(request.user, workspace, filters, deleted=deleted)[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    return {
        "sessions": rows[:PAGE_SIZE],
        "next_page": page + 1 if len(rows) > PAGE_SIZE else None,
        "page": page,
        "filters": filters,
        "more_query": _with_page(request, page + 1),
        "can_write": membership.can_write,
        "workspace": workspace,
    }


def _with_page(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return query.urlencode()


@login_required
@require_GET
def sidebar(request: HttpRequest) -> HttpResponse:
    """The whole sidebar: search, filters (this workspace's providers) and the first page."""
    workspace, _membership = current_workspace(request)
    form = HistoryForm(request.GET)
    context = _page(request, form)
    context.update(form=form, providers=providers_for(workspace), statuses=Status.choices)
    return render(request, "conversations/sidebar.html", context)


@login_required
@require_GET
def history_list(request: HttpRequest) -> HttpResponse:
    """One page of the history for these filters; later pages are only the items, to append."""
    context = _page(request, HistoryForm(request.GET))
    template = "conversations/items.html" if context.get("page", 1) > 1 else "conversations/history.html"
    return render(request, template, context)


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    return render(request, "conversations/trash.html", _page(request, HistoryForm(request.GET), deleted=True))


def _item(request: HttpRequest, conversation: Conversation, **extra) -> HttpResponse:
    session = with_latest_run(Conversation.objects.filter(pk=conversation.pk)).get()
    membership = membership_for(request.user, conversation.workspace)
    context = {"session": session, "can_write": membership is not None and membership.can_write, **extra}
    return render(request, "conversations/item.html", context)


def _invalid(request: HttpRequest, conversation: Conversation, form) -> HttpResponse:
    message = next(iter(form.errors.values()))[0]
    response = _item(request, conversation, message=message)
    response.status_code = 422
    # htmx swaps only 2xx by default; this header makes it show the field's message too.
    response["HX-Reswap"] = "outerHTML"
    return response


@login_required
@require_POST
def rename(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    form = RenameForm(request.POST)
    if not form.is_valid():
        return _invalid(request, conversation, form)
    conversation.title = form.cleaned_data["title"]
    conversation.save(update_fields=["title", "updated_at"])
    reindex(conversation.pk)
    return _item(request, conversation)


@login_required
@require_POST
def set_tags(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    form = TagsForm(request.POST)
    if not form.is_valid():
        return _invalid(request, conversation, form)
    conversation.tags = form.cleaned_data["tags"]
    conversation.save(update_fields=["tags"])
    return _item(request, conversation)


@login_required
@require_POST
def toggle_pin(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    conversation.pinned = not conversation.pinned
    conversation.save(update_fields=["pinned"])
    return _item(request, conversation)


@login_required
@require_POST
def set_visibility(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    # Making a session private hides it from everyone else: only its author decides that.
    if conversation.author_id != request.user.pk:
        raise PermissionDenied("Only the author of a session can change who sees it.")
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        return _invalid(request, conversation, form)
    conversation.visibility = form.cleaned_data["visibility"]
    conversation.save(update_fields=["visibility"])
    return _item(request, conversation)


@login_required
@require_POST
def delete(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = get_conversation_for(request.user, conversation_id, write=True)
    conversation.deleted_at = timezone.now()
    conversation.save(update_fields=["deleted_at"])
    # Revoked, not merely hidden: undoing a delete (or restoring from the trash) must not quietly
    # make a session public again. Sharing it again makes a new link.
    revoked = conversation.share_links.filter(revoked_at=None).update(revoked_at=conversation.deleted_at)
    return render(request, "conversations/deleted.html", {"session": conversation, "link_revoked": revoked > 0})


def deleted_conversation_for(user, public_id: str) -> Conversation:
    """A deleted session, checked like get_conversation_for (write access), for undo and the trash."""
    conversation = Conversation.objects.select_related("workspace").filter(public_id=public_id).exclude(deleted_at=None).first()
    if conversation is None or not visible_to(user, conversation.workspace).filter(pk=conversation.pk).exists():
        raise Http404("No such session.")
    check_role(membership_for(user, conversation.workspace), write=True)
    return conversation


@login_required
@require_POST
def restore(request: HttpRequest, conversation_id: str) -> HttpResponse:
    conversation = deleted_conversation_for(request.user, conversation_id)
    link_revoked = conversation.share_links.filter(revoked_at=conversation.deleted_at).exists()
    conversation.deleted_at = None
    conversation.save(update_fields=["deleted_at"])
    return _item(request, conversation, restored=True, link_revoked=link_revoked)


# A session's runs as a tree of branches


@login_required
@require_GET
def session_runs(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The sidebar's branch tree of one session, with replay actions per run."""
    conversation = get_conversation_for(request.user, conversation_id)
    runs = branches.runs_of(conversation)
    rows = branches.tree_rows(branches.run_tree(runs))
    membership = membership_for(request.user, conversation.workspace)
    context = {"conversation": conversation, "rows": rows, "branch_count": len(branches.branches(runs)),
               "can_write": membership is not None and membership.can_write}
    return render(request, "conversations/runs.html", context)


@login_required
@require_GET
def tree(request: HttpRequest, conversation_id: str) -> JsonResponse:
    conversation = get_conversation_for(request.user, conversation_id)
    runs = branches.runs_of(conversation)
    paths = [{"leaf": path[-1].public_id, "runs": [run.public_id for run in path], "label": branches.last_prompt(path[-1])[:80]}
             for path in branches.branches(runs)]
    return JsonResponse({
        "conversation": conversation.public_id,
        "tree": [node.as_dict() for node in branches.run_tree(runs)],
        "branches": paths,
        "draft": conversation.draft_request,
    })
