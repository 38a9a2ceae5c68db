"""The page socket: only signed-in users, only same-origin pages, JSON in and out."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from playground.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


@sync_to_async
def session_cookie(username="alice"):
    user = get_user_model().objects.create_user(username=username, password="pw-123456789")
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


async def connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/playground/", headers=[(b"host", b"127.0.0.1"), *headers])
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        # A refused socket's application is still waiting for the disconnect: end it here, so no
        # task is left for the test's event loop to cancel at teardown.
        await communicator.disconnect()
    return communicator, connected, code


async def test_it_answers_a_ping_for_a_signed_in_user():
    cookie = await session_cookie()
    communicator, connected, _ = await connect([ORIGIN, (b"cookie", cookie)])
    assert connected
    await communicator.send_json_to({"type": "ping", "id": 7})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "id": 7}
    await communicator.disconnect()


async def test_it_closes_the_socket_for_anonymous_users():
    communicator, connected, code = await connect([ORIGIN])
    assert not connected
    assert code == 4401


async def test_it_rejects_another_origin():
    cookie = await session_cookie()
    communicator, connected, _ = await connect([(b"origin", b"http://evil.example"), (b"cookie", cookie)])
    assert not connected


@pytest.mark.parametrize("origin", ["http://127.0.0.1:9999", "http://localhost:3000", "ftp://127.0.0.1",
                                    "https://127.0.0.1", "http://localhost", "null", ""])
async def test_it_rejects_the_same_host_on_another_port_or_scheme(origin):
    # Another app on this machine (a dev server on :3000, any port) must not drive a user's socket.
    cookie = await session_cookie()
    headers = [(b"origin", origin.encode())] if origin else []
    communicator, connected, _ = await connect([*headers, (b"cookie", cookie)])
    assert not connected


async def test_it_takes_csrf_trusted_origins_and_their_wildcards(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://playground.example.com", "https://*.corp.example"]
    cookie = await session_cookie()
    for origin, allowed in [(b"https://playground.example.com", True), (b"https://team.corp.example", True),
                            (b"http://playground.example.com", False), (b"https://corp.example.evil", False)]:
        communicator, connected, _ = await connect([(b"origin", origin), (b"cookie", cookie)])
        assert connected is allowed, origin
        if connected:
            await communicator.disconnect()


async def test_it_takes_the_https_origin_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    cookie = await session_cookie()
    proxied = [(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"203.0.113.9"), (b"cookie", cookie)]
    communicator, connected, _ = await connect([(b"origin", b"https://127.0.0.1"), *proxied])
    assert connected
    await communicator.disconnect()
    communicator, connected, _ = await connect([ORIGIN, *proxied])
    assert not connected


async def test_it_explains_bad_messages():
    cookie = await session_cookie()
    communicator, connected, _ = await connect([ORIGIN, (b"cookie", cookie)])
    await communicator.send_to(text_data="not json")
    assert (await communicator.receive_json_from(timeout=5))["message"] == "Messages must be JSON."
    await communicator.send_json_to({"type": "nope"})
    assert "Unknown message type" in (await communicator.receive_json_from(timeout=5))["message"]
    await communicator.disconnect()


@pytest.mark.parametrize("text, words", [
    ("[" * 10_000 + "]" * 10_000, "nested 10000 levels deep"),
    ('{"type": "ping", "id": NaN}', "NaN is not a JSON number"),
    ('{"type": "ping", "id": 1e999}', "too large"),
])
async def test_it_answers_malformed_json_with_an_error_and_stays_open(text, words):
    cookie = await session_cookie()
    communicator, connected, _ = await connect([ORIGIN, (b"cookie", cookie)])
    await communicator.send_to(text_data=text)
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and words in error["message"]
    await communicator.send_json_to({"type": "ping", "id": 1})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "id": 1}
    await communicator.disconnect()


async def test_it_answers_a_message_over_the_size_limit_saying_what_to_shrink(settings):
    settings.SOCKET_MAX_MESSAGE_BYTES = 10_000
    cookie = await session_cookie()
    communicator, connected, _ = await connect([ORIGIN, (b"cookie", cookie)])
    prompt = "é" * 6_000  # 6,000 characters, 12,000 bytes: bytes are what counts
    start = {"type": "run.start", "ref": "big", "fields": {"messages": [prompt]}}
    await communicator.send_to(text_data=json.dumps(start, ensure_ascii=False))
    error = await communicator.receive_json_from(timeout=5)
    assert error["type"] == "error" and error["ref"] == "big"
    assert "This request is 12 KB; the connection takes at most 10 KB. Shorten the messages" in error["message"]
    await communicator.send_json_to({"type": "ping", "id": 3})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong", "id": 3}
    await communicator.disconnect()
