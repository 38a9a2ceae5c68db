"""One parser (issue 11): what the panel's views say about a typed value is what run.start does
with it; the run, the validation and View code cannot disagree."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse

from playground.params.check import checked_body
from playground.runs.models import Run

from .helpers import TIMEOUT, make_member, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def fields(provider, **options):
    base = {"provider": [provider.public_id], "messages": [json.dumps([{"role": "user", "content": "Hi"}])],
            "model": ["fake-gpt"]}
    return {**base, **{name: [value] for name, value in options.items()}}


@pytest.mark.parametrize("typed", ["1_000", "0x10", "1e3", " "])
async def test_a_number_the_panel_refuses_is_refused_by_run_start_with_the_same_message(fake_provider, typed):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    form = fields(provider, max_completion_tokens=typed)
    _body, panel_errors = checked_body(form)
    socket = await open_socket(cookie)
    await socket.send_json_to({"type": "run.start", "ref": "a", "fields": form})
    answer = await socket.receive_json_from(timeout=TIMEOUT)
    if typed.strip():
        assert answer["type"] == "run.rejected"
        assert answer["errors"]["0"]["max_completion_tokens"] == panel_errors["max_completion_tokens"] == [
            "Enter a whole number."]
        assert await Run.objects.acount() == 0 and fake_provider.requests == []
    else:  # blank is unset, for both
        assert answer["type"] == "run.accepted" and "max_completion_tokens" not in panel_errors
    await socket.disconnect()


async def test_the_body_view_code_shows_is_the_body_the_run_sends(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    form = fields(provider, temperature="1", top_p=".5", stream="true")


    def shown_by_the_panel():
        client = Client()
        client.force_login(user)
        return client.post(reverse("params:body"), form).json()["body"]

    shown = await sync_to_async(shown_by_the_panel)()
    socket = await open_socket(cookie)
    await socket.send_json_to({"type": "run.start", "ref": "b", "fields": form})
    accepted = await socket.receive_json_from(timeout=TIMEOUT)
    assert accepted["type"] == "run.accepted", accepted
    run = await Run.objects.aget(public_id=accepted["runs"][0])
    assert run.request == shown == {"model": "fake-gpt", "messages": [{"role": "user", "content": "Hi"}],
                                    "temperature": 1, "top_p": 0.5, "stream": True}
    await socket.disconnect()
