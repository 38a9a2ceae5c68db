"""Driving the page socket the way a browser does: a real session cookie, the full ASGI stack."""

import asyncio
import json

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from playground.asgi import application
from playground.runs.protocol import Expander
from playground.teams.access import personal_workspace
from tests.factories import client_for, make_credential, make_user

TIMEOUT = 10


@sync_to_async
def make_member(username: str, fake_provider=None, headers=None):
    """A user with a personal workspace holding a provider that points at the fake server."""
    user = make_user(username)
    workspace = personal_workspace(user)
    provider = None
    if fake_provider is not None:
        provider = make_credential(workspace, name="Fake", base_url=fake_provider.base_url, key="sk-test-key-0123456789",
                                   headers=headers or {})
    client = client_for(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return user, workspace, provider, cookie


class PageSocket(WebsocketCommunicator):
    """The page socket read as the browser reads it: compact delta frames expanded (frames.js's
    rules, in protocol.Expander), so every frame arrives in its full shape. `raw` keeps them as sent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expander = Expander()
        self.raw: list = []

    async def receive_json_from(self, timeout=1):
        message = await super().receive_json_from(timeout)
        self.raw.append(message)
        return self.expander.expand(message)


async def open_socket(cookie: str) -> PageSocket:
    socket = PageSocket(
        application, "/ws/playground/",
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1"), (b"cookie", cookie.encode())],
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


def body(prompt="Hello there", **params):
    return {"model": params.pop("model", "fake-gpt"), "messages": [{"role": "user", "content": prompt}], "stream": True, **params}


async def start(socket, provider, request_body, conversation=None, ref="r1"):
    await socket.send_json_to({"type": "run.start", "ref": ref, "conversation": conversation,
                               "columns": [{"provider": provider.public_id, "body": request_body}]})
    reply = await socket.receive_json_from(timeout=TIMEOUT)
    return reply


async def frames_until_end(socket, run_id=None, timeout=TIMEOUT):
    """Every frame received until the run's terminal frame (or a snapshot)."""
    frames = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        frames.append(frame)
        if frame.get("type") in ("run.finished", "run.error", "run.snapshot") and (run_id is None or frame.get("run") == run_id):
            return frames


def text_of(frames, index=0):
    return "".join(
        choice.get("content", "")
        for frame in frames if frame["type"] == "run.delta"
        for choice in frame["choices"] if choice["index"] == index
    )


async def wait_for(predicate, timeout=TIMEOUT):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await sync_to_async(predicate)()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")
