"""run.start messages the server cannot run get an answer on the socket, which stays open; nothing is stored."""

import json

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run

from .helpers import body, make_member, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_it_refuses_a_body_with_a_non_finite_number_and_stays_open(fake_provider, number):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    start = json.dumps({"type": "run.start", "ref": "r1", "columns": [{"provider": provider.public_id, "body": body()}]})
    await socket.send_to(text_data=start.replace('"stream": true', f'"stream": true, "temperature": {number}'))
    answer = await socket.receive_json_from(timeout=5)
    assert answer["type"] == "error" and number in answer["message"] and "Invalid JSON on line 1" in answer["message"]
    await socket.send_json_to({"type": "ping", "id": 2})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong", "id": 2}
    assert not await sync_to_async(Run.objects.exists)()
    await socket.disconnect()


@pytest.mark.parametrize("field, value, words", [
    ("messages", "[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ("response_format", '{"type": "json_object", "x": NaN}', "NaN is not a JSON number"),
    ("temperature", "Infinity", "Enter a number"),
])
async def test_it_rejects_form_fields_with_deep_or_non_finite_values_at_their_field(fake_provider, field, value, words):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    fields = {"provider": [provider.public_id], "model": ["fake-gpt"], "stream": ["true"],
              "messages": ['[{"role": "user", "content": "Hi"}]'], field: [value]}
    await socket.send_json_to({"type": "run.start", "ref": "f1", "fields": fields})
    answer = await socket.receive_json_from(timeout=10)
    assert answer["type"] == "run.rejected" and answer["ref"] == "f1"
    assert any(words in message for message in answer["errors"]["0"][field])
    assert not await sync_to_async(Run.objects.exists)()
    await socket.disconnect()
