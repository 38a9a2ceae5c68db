"""The playground page and the health check."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from playground.conversations.access import get_conversation_for
from playground.conversations.restore import session_state
from playground.conversations.share_views import writable_workspaces
from playground.providers.resolve import providers_for
from playground.runs.models import Run
from playground.teams.access import SESSION_WORKSPACE_KEY, current_workspace, membership_for

HEALTH_TIMEOUT = 3.0


def last_used(workspace, providers) -> tuple[str | None, str]:
    """The provider and model of the workspace's latest run, if that provider is still offered;
    else the first provider and no model (the panel then takes the provider's first listed)."""
    offered = [provider.public_id for provider in providers]
    latest = (Run.objects.filter(conversation__workspace=workspace, provider_id__in=offered)
              .order_by("-started_at").values("provider_id", "model").first())
    if latest:
        return latest["provider_id"], latest["model"]
    return (offered[0] if offered else None), ""


@login_required
def playground(request: HttpRequest, conversation_id: str | None = None) -> HttpResponse:
    workspace, membership = current_workspace(request)
    conversation = get_conversation_for(request.user, conversation_id) if conversation_id else None
    if conversation is not None and conversation.is_experiment:
        # An experiment's runs live in a conversation of their own; its page is the grid.
        return redirect("experiments:page", conversation.experiment.public_id)
    if conversation is not None and conversation.workspace_id != workspace.pk:
        # Opening a session of another workspace switches to it, so the switcher, the sidebar and
        # the runs made on this page all agree on where they are.
        workspace = conversation.workspace
        membership = membership_for(request.user, workspace)
        request.session[SESSION_WORKSPACE_KEY] = workspace.public_id
    providers = providers_for(workspace)
    provider, model = last_used(workspace, providers)
    runs = list(conversation.runs.order_by("started_at", "column").values_list("public_id", flat=True)) if conversation else []
    page_data = {
        "providers": [{"id": p.public_id, "name": p.name, "kind": p.kind} for p in providers],
        "provider": provider,
        "model": model,
        "conversation": conversation.public_id if conversation else None,
        "runs": runs,
        # What the composer, the panel and the compare columns held when the latest run was sent.
        "state": session_state(conversation) if conversation else None,
        "can_write": membership.can_write,
        # The socket refuses larger messages (socket.js checks before sending).
        "socket_max_bytes": settings.SOCKET_MAX_MESSAGE_BYTES,
    }
    context = {
        "conversation": conversation, "workspace": workspace, "providers": providers, "page_data": page_data,
        "fork_workspaces": writable_workspaces(request.user) if conversation and not membership.can_write else [],
    }
    return render(request, "core/playground.html", context)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


async def _check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return "not configured"
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    return "ok" if message.get("token") == token else "wrong message"


async def _checked(check) -> str:
    try:
        return await asyncio.wait_for(check(), HEALTH_TIMEOUT)
    except Exception as exc:  # a health check reports every failure instead of raising
        return f"error: {type(exc).__name__}"


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    database = await _checked(sync_to_async(_check_database))
    channel_layer = await _checked(_check_channel_layer)
    healthy = database == "ok" and channel_layer == "ok"
    body = {"status": "ok" if healthy else "error", "database": database, "channel_layer": channel_layer}
    return JsonResponse(body, status=200 if healthy else 503)
