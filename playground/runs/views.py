"""A run's pages and data: loading its branch, its stored request (edit, download), playback, cost,
the diff between two runs, and the workspace's model prices.

Each view starts with `get_run_for` or `current_workspace` (Http404 for anything the user may not
see).
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.teams.access import check_role, current_workspace

from . import branches, diff
from .access import get_run_for
from .forms import ModelPriceForm
from .models import ModelPrice
from .pricing import cost_for, prices_of
from .replay import SPEEDS, playback_chunks, recorded_exactly


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
    return render(request, "runs/playback.html", {"run": run, "speeds": SPEEDS, "exact": recorded_exactly(run)})


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
    return render(request, "runs/diff.html", context)


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
            return redirect("runs:prices")
    context = {"workspace": workspace, "prices": ModelPrice.objects.filter(workspace=workspace), "form": form,
               "can_write": membership.can_write}
    return render(request, "runs/prices.html", context, status=422 if form.errors else 200)


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
    return redirect("runs:prices")
