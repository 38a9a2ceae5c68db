"""The Probe button of a provider page: the form (model, and the cost estimate for a priced model),
starting, following (polled while it runs), and cancelling a capability probe.

Each view starts with `get_workspace_for`; probing sends requests on the workspace's account, so it
takes the role that may run (write), like the connection test. Mounted under /teams/ beside the
provider pages.
"""

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground.providers.models import ProbeResult
from playground.providers.probe import CHECKS, estimate_usage
from playground.providers.resolve import get_provider_for
from playground.teams.access import get_workspace_for

from . import probing
from .forms import ProbeForm


def _provider(request: HttpRequest, ws: str, provider_id: str, *, write: bool = False):
    workspace, membership = get_workspace_for(request.user, ws, write=write)
    return workspace, membership, get_provider_for(workspace, provider_id)


def _context(workspace, membership, choice, **extra) -> dict:
    latest = ProbeResult.objects.of(workspace, choice.public_id).first()
    return {"workspace": workspace, "membership": membership, "choice": choice, "result": latest,
            "checks": len(CHECKS), "requests": estimate_usage()["requests"], **extra}


@login_required
@require_GET
def probe_panel(request: HttpRequest, ws: str, provider_id: str) -> HttpResponse:
    """The provider's latest probe (live while it runs) and, for editors, the form to start one."""
    workspace, membership, choice = _provider(request, ws, provider_id)
    result = ProbeResult.objects.of(workspace, choice.public_id).first()
    form = ProbeForm(initial={"model": result.model if result else ""})
    return render(request, "runs/probe.html", _context(workspace, membership, choice, form=form))


async def _start(request: HttpRequest, ws: str, provider_id: str) -> HttpResponse:
    """Start a probe; for a priced model, first show what it may cost and ask again."""
    workspace, membership, choice = await sync_to_async(_provider)(request, ws, provider_id, write=True)
    form = ProbeForm(request.POST)
    if not form.is_valid():
        context = await sync_to_async(_context)(workspace, membership, choice, form=form)
        return render(request, "runs/probe.html", context, status=400)
    model = form.cleaned_data["model"]
    cost = await sync_to_async(probing.cost_estimate)(workspace, model)
    if cost is not None and not form.cleaned_data["confirmed"]:
        context = await sync_to_async(_context)(workspace, membership, choice, form=form, cost=cost, confirming=True)
        return render(request, "runs/probe.html", context)
    try:
        config = await sync_to_async(choice.checked_config)()
    except ValidationError as error:
        form.add_error(None, error)
        context = await sync_to_async(_context)(workspace, membership, choice, form=form)
        return render(request, "runs/probe.html", context, status=400)
    result = await sync_to_async(probing.begin)(workspace, request.user, choice, model)
    probing.start(result, config)
    context = await sync_to_async(_context)(workspace, membership, choice, form=ProbeForm(initial={"model": model}))
    return render(request, "runs/probe.html", context)


# An async view: the probe's task must run on the loop of the server process (Daphne's), not on a
# loop that ends with the request.
probe_start = login_required(require_POST(_start))


@login_required
@require_POST
def probe_cancel(request: HttpRequest, ws: str, provider_id: str, result_id: str) -> HttpResponse:
    workspace, membership, choice = _provider(request, ws, provider_id, write=True)
    result = ProbeResult.objects.of(workspace, choice.public_id).filter(public_id=result_id).first()
    if result is None:
        raise Http404("No such probe.")
    probing.request_cancel(result)
    form = ProbeForm(initial={"model": result.model})
    return render(request, "runs/probe.html", _context(workspace, membership, choice, form=form, cancelling=True))
