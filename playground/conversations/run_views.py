"""A session's runs: the branch tree, loading a branch, a run's stored request (re-run, edit and
re-run, download), playback, cost, and the diff between two runs.

Each view starts with `get_conversation_for` or `get_run_for` (Http404 for anything the user may
not see).
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from playground.teams.access import get_conversation_for, get_run_for

from . import branches, diff
from .pricing import cost_for, prices_of
from .replay import SPEEDS, playback_chunks, recorded_exactly

@login_required
@require_GET
def session_runs(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The sidebar's branch tree of one session, with replay actions per run."""
    conversation = get_conversation_for(request.user, conversation_id)
    runs = branches.runs_of(conversation)
    rows = branches.tree_rows(branches.run_tree(runs))
    context = {"conversation": conversation, "rows": rows, "branch_count": len(branches.branches(runs))}
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


@login_required
@require_GET
def branch(request: HttpRequest, run_id: str) -> JsonResponse:
    """A branch ending at this run: its messages (request + answer) and the run a next turn continues."""
    run = get_run_for(request.user, run_id)
    messages = branches.branch_messages(run)
    return JsonResponse({
        "run": run.public_id,
        "conversation": run.conversation.public_id,
        "path": [r.public_id for r in branches.path_to(run)],
        "messages": messages,
        "request": {**run.request, "messages": messages},
        "provider": run.provider_id,
        # The next run on this branch continues this one (send it as run.start's `parent`).
        "parent": run.public_id,
    })


@login_required
@require_GET
def run_request(request: HttpRequest, run_id: str) -> JsonResponse:
    """The stored request exactly as it was sent, for "Re-run" and "Edit and re-run". A re-run is a
    sibling of the original: its parent is the original's parent."""
    run = get_run_for(request.user, run_id)
    return JsonResponse({
        "run": run.public_id,
        "conversation": run.conversation.public_id,
        "parent": run.parent.public_id if run.parent else None,
        "provider": run.provider_id,
        "request": run.request,
    }, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def run_body(request: HttpRequest, run_id: str) -> HttpResponse:
    """The run's OpenAI request body as a JSON download."""
    run = get_run_for(request.user, run_id)
    body = json.dumps(run.request, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="request-{run.public_id}.json"'
    return response


@login_required
@require_GET
def playback(request: HttpRequest, run_id: str) -> HttpResponse:
    run = get_run_for(request.user, run_id)
    return render(request, "conversations/playback.html", {"run": run, "speeds": SPEEDS, "exact": recorded_exactly(run)})


@login_required
@require_GET
def playback_data(request: HttpRequest, run_id: str) -> JsonResponse:
    """Each recorded chunk as [seconds after start, text], for static/js/playback.js."""
    run = get_run_for(request.user, run_id)
    return JsonResponse({"run": run.public_id, "model": run.model, "chunks": playback_chunks(run),
                         "total_time": run.total_time, "time_to_first_token": run.time_to_first_token})


@login_required
@require_GET
def run_cost(request: HttpRequest, run_id: str) -> JsonResponse:
    run = get_run_for(request.user, run_id)
    cost = cost_for(run, prices_of(run.conversation.workspace_id))
    return JsonResponse({"run": run.public_id, "cost": None if cost is None else f"{cost:.6f}", "usage": run.usage})


def _earlier_run(request: HttpRequest, later):
    """The run to compare against: ?a=, else the one started just before `later` in its session."""
    if request.GET.get("a"):
        return get_run_for(request.user, request.GET["a"])
    runs = later.conversation.runs.exclude(pk=later.pk)
    return runs.filter(started_at__lte=later.started_at).order_by("-started_at").first() or runs.order_by("started_at").first()


@login_required
@require_GET
def run_diff(request: HttpRequest) -> HttpResponse:
    """From run ?a= to run ?b=: a word diff of their answers and a table of their differing parameters."""
    if not request.GET.get("b"):
        raise Http404("Choose two runs to compare.")
    new = get_run_for(request.user, request.GET["b"])
    old = _earlier_run(request, new)
    context = {"new": new, "old": old, "choices": branches.runs_of(new.conversation)}
    if old is not None:
        context["segments"] = diff.word_diff(branches.answer_text(old), branches.answer_text(new))
        context["parameters"] = diff.parameter_diff(old.request, new.request)
        context["messages_differ"] = old.request.get("messages") != new.request.get("messages")
    return render(request, "conversations/diff.html", context)
