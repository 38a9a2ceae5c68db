"""The playground page and the health check."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

HEALTH_TIMEOUT = 3.0


@login_required
def playground(request: HttpRequest) -> HttpResponse:
    return render(request, "core/playground.html", {})


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
