"""run.start with prompt variables: the server fills {{name}} placeholders, refuses a missing value naming
it, and the run keeps its template, its values and the filled body it sent."""

import json

import pytest
from asgiref.sync import sync_to_async

from playground.conversations.models import Conversation
from playground.conversations.restore import session_state
from playground.runs.models import Run

from .helpers import TIMEOUT, frames_until_end, make_member, open_socket

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = [{"role": "system", "content": "Answer as {{persona}}."}, {"role": "user", "content": "Translate “{{text}}”. Literal: \\{{x}}"}]
FILLED = [{"role": "system", "content": "Answer as a pirate."}, {"role": "user", "content": "Translate “hello”. Literal: {{x}}"}]


def start(provider, variables, conversation=None, ref="v"):
    fields = {"provider": [provider.public_id], "model": ["fake-gpt"], "messages": [json.dumps(TEMPLATE)], "stream": ["true"]}
    return {"type": "run.start", "ref": ref, "conversation": conversation, "fields": fields, "variables": variables}


async def test_it_fills_the_variables_and_stores_template_values_and_the_body_sent(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    await socket.send_json_to(start(provider, {"persona": "a pirate", "text": "hello", "unused": "x"}))
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    assert accepted["type"] == "run.accepted", accepted
    frames = await frames_until_end(socket, accepted["runs"][0])
    assert frames[0]["request"]["messages"] == FILLED
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert run.request["messages"] == FILLED
    assert json.loads(fake_provider.requests[-1].body)["messages"] == FILLED
    assert run.template == TEMPLATE
    assert run.variables == {"persona": "a pirate", "text": "hello"}
    assert not run.scheduled

    # Reopening the session puts back the messages as typed and the values.
    conversation = await sync_to_async(Conversation.objects.get)(public_id=accepted["conversation"])
    state = await sync_to_async(session_state)(conversation)
    assert state["messages"] == TEMPLATE and state["variables"] == run.variables

    # A re-run sends the very same bytes and keeps the template and values.
    sent = fake_provider.requests[-1].body
    await socket.send_json_to({"type": "run.rerun", "ref": "r", "run": run.public_id})
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    await frames_until_end(socket, accepted["runs"][0])
    assert fake_provider.requests[-1].body == sent
    copy = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert copy.template == TEMPLATE and copy.variables == run.variables
    await socket.disconnect()


async def test_a_missing_value_blocks_the_run_naming_the_variable(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    await socket.send_json_to(start(provider, {"persona": "a pirate", "text": None}))
    rejected = await socket.receive_json_from(timeout=TIMEOUT)
    assert rejected["type"] == "run.rejected"
    assert "“text”" in rejected["message"]
    assert list(rejected["errors"]["0"]) == ["variables.text"]
    await socket.send_json_to(start(provider, None, ref="w"))
    rejected = await socket.receive_json_from(timeout=TIMEOUT)
    assert set(rejected["errors"]["0"]) == {"variables.persona", "variables.text"}
    assert "“persona”, “text”" in rejected["message"]
    assert await sync_to_async(Run.objects.count)() == 0 and fake_provider.requests == []
    await socket.disconnect()


async def test_messages_without_placeholders_store_no_template(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    fields = {"provider": [provider.public_id], "model": ["fake-gpt"], "messages": [json.dumps([{"role": "user", "content": 'Say {{"a": 1}}'}])]}
    await socket.send_json_to({"type": "run.start", "ref": "p", "fields": fields, "variables": {"a": "1"}})
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    await frames_until_end(socket, accepted["runs"][0])
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert run.template is None and run.variables is None
    assert run.request["messages"][0]["content"] == 'Say {{"a": 1}}'
    await socket.disconnect()


async def test_value_boxes_post_as_fields_named_variables_dot_name(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    message = start(provider, None)
    message["fields"].update({"variables.persona": ["a pirate"], "variables.text": ["hello"]})
    await socket.send_json_to(message)
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    assert accepted["type"] == "run.accepted", accepted
    await frames_until_end(socket, accepted["runs"][0])
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert run.request["messages"] == FILLED and run.variables == {"persona": "a pirate", "text": "hello"}
    await socket.disconnect()
