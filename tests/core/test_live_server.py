"""The ASGI guards on a real Daphne: HEAD sends headers only, sockets open only from the app's own origin."""

import json
import socket

import pytest
from django.conf import settings
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.django_db(transaction=True)
# Daphne's --websocket-max-message-size default, which tests/live.py leaves as it is.
DAPHNE_MAX_MESSAGE = 1024 * 1024


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def read_head(connection: socket.socket, buffer: bytes) -> tuple[bytes, bytes]:
    """One response head from a raw connection: (head, whatever came after it)."""
    while b"\r\n\r\n" not in buffer:
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def test_it_sends_no_body_for_head_on_a_large_page_and_the_connection_stays_usable(live_server_url, make_user):
    cookie = session_cookie(make_user("alice"))
    page = Client()
    page.cookies.load(cookie)
    assert len(page.get("/").content) > 65536, "the page must be larger than Daphne's 64 KB write for this to mean anything"
    port = int(live_server_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"HEAD / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n".encode())
        head, rest = read_head(connection, b"")
        assert head.startswith(b"HTTP/1.1 200")
        # The same keep-alive connection: what follows HEAD's headers must be the next response.
        connection.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        next_head, _ = read_head(connection, rest)
        assert next_head.startswith(b"HTTP/1.1 200"), next_head[:80]
        assert b"application/json" in next_head


async def test_it_opens_the_socket_only_from_the_servers_own_origin(live_server_url, make_user):
    from asgiref.sync import sync_to_async

    cookie = await sync_to_async(lambda: session_cookie(make_user("alice")))()
    port = int(live_server_url.rsplit(":", 1)[1])
    ws_url = f"ws://127.0.0.1:{port}/ws/playground/"
    async with connect(ws_url, origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": cookie}) as ws:
        await ws.send('{"type": "ping", "id": 1}')
        assert await ws.recv() == '{"type": "pong", "id": 1}'
    for origin in (f"http://127.0.0.1:{port + 1}", f"https://127.0.0.1:{port}", f"http://localhost:{port}"):
        with pytest.raises(InvalidStatus) as refused:
            async with connect(ws_url, origin=origin, additional_headers={"Cookie": cookie}):
                pass
        assert refused.value.response.status_code == 403


async def test_it_answers_a_message_daphne_accepts_but_the_app_does_not_and_stays_open(live_server_url, make_user):
    from asgiref.sync import sync_to_async
    from websockets.exceptions import ConnectionClosed

    cookie = await sync_to_async(lambda: session_cookie(make_user("alice")))()
    port = int(live_server_url.rsplit(":", 1)[1])
    ws_url, origin = f"ws://127.0.0.1:{port}/ws/playground/", f"http://127.0.0.1:{port}"
    over_ours = '{"type": "run.start", "ref": "big", "pad": "' + "x" * (settings.SOCKET_MAX_MESSAGE_BYTES + 10) + '"}'
    assert len(over_ours) < DAPHNE_MAX_MESSAGE, "between the app's limit and Daphne's"
    async with connect(ws_url, origin=origin, additional_headers={"Cookie": cookie}, max_size=None) as ws:
        await ws.send(over_ours)
        answer = json.loads(await ws.recv())
        assert answer["type"] == "error" and answer["ref"] == "big" and "Shorten the messages" in answer["message"]
        await ws.send('{"type": "ping", "id": 1}')
        assert json.loads(await ws.recv()) == {"type": "pong", "id": 1}
        # Past Daphne's own limit the connection is dropped without an answer: the page checks before sending.
        await ws.send("x" * (DAPHNE_MAX_MESSAGE + 1))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
