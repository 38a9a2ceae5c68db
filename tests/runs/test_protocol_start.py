"""run.start as the browser sends it: the form's raw fields, parsed on the server; compare columns that
continue their own answers; run.rerun; and the state a reopened session puts back."""

import json

import pytest
from asgiref.sync import sync_to_async

from playground.conversations.models import Conversation
from playground.conversations.restore import session_state
from playground.runs.models import Run

from .helpers import TIMEOUT, frames_until_end, make_member, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def form(provider, messages, **options):
    """Fields as a browser form posts them: every value a string, in a list."""
    fields = {"provider": [provider.public_id], "messages": [json.dumps(messages)], "stream": ["true"]}
    fields.update({name: [value] for name, value in options.items()})
    return fields


async def start_and_finish(socket, message):
    await socket.send_json_to(message)
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    assert accepted["type"] == "run.accepted", accepted
    finished = set()
    while len(finished) < len(accepted["runs"]):
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        if frame["type"] in ("run.finished", "run.error"):
            finished.add(frame["run"])
    return accepted


@sync_to_async
def runs_of(ids):
    return sorted(Run.objects.filter(public_id__in=ids).select_related("parent"), key=lambda run: run.column)


async def test_it_parses_the_forms_fields_on_the_server(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    fields = form(provider, [{"role": "user", "content": "Hi"}], model="fake-gpt", temperature="1", top_p="0.5")
    accepted = await start_and_finish(socket, {"type": "run.start", "ref": "a", "fields": fields})
    [run] = await runs_of(accepted["runs"])
    assert run.request == {"model": "fake-gpt", "messages": [{"role": "user", "content": "Hi"}], "stream": True,
                           "temperature": 1, "top_p": 0.5}
    sent = fake_provider.requests[-1].json()
    assert sent["temperature"] == 1 and sent["top_p"] == 0.5
    await socket.disconnect()


async def test_it_refuses_unreadable_fields_and_an_empty_prompt_without_starting(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    fields = form(provider, [{"role": "user", "content": "Hi"}], model="fake-gpt", response_format='{"type": ')
    await socket.send_json_to({"type": "run.start", "ref": "b", "fields": fields})
    rejected = await socket.receive_json_from(timeout=TIMEOUT)
    assert rejected["type"] == "run.rejected" and "response_format" in rejected["errors"]["0"]
    assert "Invalid JSON" in rejected["errors"]["0"]["response_format"][0]

    empty = form(provider, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  "}], model="fake-gpt")
    await socket.send_json_to({"type": "run.start", "ref": "c", "fields": empty})
    rejected = await socket.receive_json_from(timeout=TIMEOUT)
    assert rejected["type"] == "run.rejected"
    assert rejected["errors"]["0"]["messages"] == ["The last user message is empty: write a prompt, or remove that message."]
    assert await sync_to_async(Run.objects.count)() == 0
    assert fake_provider.requests == []
    await socket.disconnect()


async def test_compare_columns_continue_their_own_answers_and_a_reopened_session_sends_the_same(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    system = {"role": "system", "content": "Be brief."}
    first = [system, {"role": "user", "content": "Name a colour"}]
    columns = [{"fields": {"model": ["fake-gpt"], "temperature": [t]}, "after": None} for t in ("0.2", "0.9")]
    accepted = await start_and_finish(socket, {"type": "run.start", "ref": "1", "fields": form(provider, first), "columns": columns})
    turn_one = await runs_of(accepted["runs"])
    conversation = accepted["conversation"]
    assert [run.request["temperature"] for run in turn_one] == [0.2, 0.9]
    assert all(run.shared_messages is None for run in turn_one)

    # The next turn: the composer gains a user message; each column continues from its own answer.
    second = [*first, {"role": "user", "content": "Another"}]
    columns = [{"fields": {"model": ["fake-gpt"], "temperature": [t]}, "after": run.public_id}
               for t, run in zip(("0.2", "0.9"), turn_one)]
    accepted = await start_and_finish(socket, {"type": "run.start", "ref": "2", "conversation": conversation,
                                               "fields": form(provider, second), "columns": columns})
    turn_two = await runs_of(accepted["runs"])
    for before, run in zip(turn_one, turn_two):
        answer = {"role": "assistant", "content": before.choices[0]["content"]}
        assert run.request["messages"] == [*first, answer, {"role": "user", "content": "Another"}]
        assert run.parent_id == before.pk and run.shared_messages == second
    assert turn_two[0].request["messages"] != turn_two[1].request["messages"]  # each its own answer

    # Reopening puts back the composer and every column; running that state again sends the same.
    state = await sync_to_async(session_state)(await sync_to_async(Conversation.objects.get)(public_id=conversation))
    assert state["messages"] == second and state["comparison"] == turn_two[0].comparison
    assert [column["after"] for column in state["columns"]] == [run.public_id for run in turn_one]
    assert [column["values"]["temperature"] for column in state["columns"]] == [["0.2"], ["0.9"]]
    assert all(column["provider"] == provider.public_id for column in state["columns"])
    fields = {"provider": [provider.public_id], "messages": [json.dumps(state["messages"])]}
    columns = [{"fields": {**column["values"], "provider": [column["provider"]]}, "after": column["after"]} for column in state["columns"]]
    accepted = await start_and_finish(socket, {"type": "run.start", "ref": "3", "conversation": conversation,
                                               "fields": fields, "columns": columns})
    again = await runs_of(accepted["runs"])
    assert [run.request for run in again] == [run.request for run in turn_two]
    assert [run.parent_id for run in again] == [run.pk for run in turn_one]  # a new branch beside turn two
    await socket.disconnect()


async def test_rerun_sends_the_stored_request_byte_for_byte_as_a_sibling(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    fields = form(provider, [{"role": "user", "content": "Hi"}], model="fake-gpt", temperature="0.7", seed="4")
    accepted = await start_and_finish(socket, {"type": "run.start", "ref": "a", "fields": fields})
    [original] = await runs_of(accepted["runs"])
    sent_first = fake_provider.requests[-1].body
    await socket.send_json_to({"type": "run.rerun", "ref": "r", "run": original.public_id})
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    assert accepted["type"] == "run.accepted" and accepted["conversation"] == original.conversation.public_id
    frames = await frames_until_end(socket, accepted["runs"][0])
    assert frames[0]["type"] == "run.started" and frames[0]["parent"] is None
    assert fake_provider.requests[-1].body == sent_first
    [copy] = await runs_of(accepted["runs"])
    assert copy.request == original.request and copy.parent_id == original.parent_id
    await socket.disconnect()


async def test_run_frames_say_what_each_run_added_and_what_differs(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    columns = [{"fields": {"model": ["fake-gpt"], "temperature": ["0.2"]}},
               {"fields": {"model": ["fake-gpt"], "temperature": ["0.9"], "seed": ["3"]}}]
    prompt = [{"role": "user", "content": "Hi"}]
    await socket.send_json_to({"type": "run.start", "ref": "d", "fields": form(provider, prompt), "columns": columns})
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    started = {}
    while len(started) < 2:
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == "run.started":
            started[frame["column"]] = frame
    expected = [{"key": "seed", "label": "Seed", "values": ["unset", "3"]},
                {"key": "temperature", "label": "Temperature", "values": ["0.2", "0.9"]}]
    assert started[0]["differences"] == started[1]["differences"] == expected
    assert started[0]["new_messages"] == prompt
    await frames_until_end(socket, accepted["runs"][1])
    # A socket attaching later gets the same from the stored run.
    late = await open_socket(cookie)
    await late.send_json_to({"type": "run.attach", "run": accepted["runs"][0]})
    snapshot = await late.receive_json_from(timeout=TIMEOUT)
    if snapshot["type"] != "run.snapshot":  # still lingering in its task: frames, then the end
        snapshot = (await frames_until_end(late, accepted["runs"][0]))[0]
    assert snapshot["differences"] == expected and snapshot["new_messages"] == prompt
    await socket.disconnect()
    await late.disconnect()
