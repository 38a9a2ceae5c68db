"""Re-run sends the stored request byte for byte; playback follows the recorded chunk times."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from playground.runs.replay import playback_chunks, playback_schedule
from playground.providers.client import encode_body
from playground.runs.models import Run
from tests.runs.helpers import body, frames_until_end, make_member, open_socket, start

from tests.factories import client_for, make_run, make_session, make_user


@pytest.mark.django_db
def test_it_returns_the_stored_request_so_it_re_encodes_to_the_same_bytes():
    alice = make_user("alice")
    request = {"model": "fake-gpt", "messages": [{"role": "user", "content": "Grüße, “quotes” and 1.0"}],
               "temperature": 1.0, "stream": True, "stop": ["\n\n"], "logit_bias": {"50256": -100}}
    run = make_run(make_session(alice), "x", "y")
    Run.objects.filter(pk=run.pk).update(request=request)
    stored = Run.objects.get(pk=run.pk).request
    response = client_for(alice).get(reverse("runs:run_request", args=[run.public_id]))
    assert response.status_code == 200
    assert encode_body(response.json()["request"]) == encode_body(stored)
    assert json.loads(encode_body(stored)) == request


# Run.request is JSONB, and PostgreSQL reorders an object's keys (shortest first), so the stored body
# comes back in another key order than the browser sent. The same content, other bytes: fixed when
# providers.client.encode_body sorts keys (or the run keeps the exact bytes sent).
@pytest.mark.django_db(transaction=True)
async def test_it_re_runs_a_run_with_a_byte_identical_body(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body("Name three rivers", temperature=0.7, max_tokens=40, seed=7))
    first_run = accepted["runs"][0]
    await frames_until_end(socket, first_run)
    first_body = fake_provider.requests[-1].body

    client = await sync_to_async(client_for)(user)
    stored = (await sync_to_async(client.get)(reverse("runs:run_request", args=[first_run]))).json()
    await socket.send_json_to({"type": "run.start", "ref": "again", "conversation": stored["conversation"],
                               "parent": stored["parent"], "columns": [{"provider": stored["provider"], "body": stored["request"]}]})
    again = await socket.receive_json_from(timeout=10)
    assert again["type"] == "run.accepted"
    await frames_until_end(socket, again["runs"][0])
    assert len(fake_provider.requests) == 2
    assert json.loads(fake_provider.requests[-1].body) == json.loads(first_body)
    assert fake_provider.requests[-1].body == first_body
    await socket.disconnect()


@pytest.mark.django_db
def test_it_plays_chunks_back_in_recorded_order_with_gaps_scaled():
    alice = make_user("alice")
    run = make_run(make_session(alice), "count", "one two three four", chunk_times=[0.5, 0.7, 1.2, 2.0])
    chunks = playback_chunks(run)
    assert [at for at, _ in chunks] == [0.5, 0.7, 1.2, 2.0]
    assert "".join(text for _, text in chunks) == "one two three four"
    at_twice = list(playback_schedule(run, 2.0))
    assert [text for _, text in at_twice] == [text for _, text in chunks]
    assert [round(delay, 6) for delay, _ in at_twice] == [0.25, 0.1, 0.25, 0.4]
    assert [round(delay, 6) for delay, _ in playback_schedule(run, 0.5)] == [1.0, 0.4, 1.0, 1.6]
    assert [delay for delay, _ in playback_schedule(run, None)] == [0, 0, 0, 0]


@pytest.mark.django_db
def test_it_serves_the_playback_page_and_its_chunks():
    alice = make_user("alice")
    run = make_run(make_session(alice), "count", "abcdef", chunk_times=[0.1, 0.2, 0.3])
    client = client_for(alice)
    page = client.get(reverse("runs:playback", args=[run.public_id]))
    assert page.status_code == 200
    assert b'id="playback-play"' in page.content
    data = client.get(reverse("runs:playback_data", args=[run.public_id])).json()
    assert data["chunks"] == [[0.1, "ab"], [0.2, "cd"], [0.3, "ef"]]


@pytest.mark.django_db
def test_it_downloads_a_run_as_its_openai_request_body():
    alice = make_user("alice")
    run = make_run(make_session(alice), "hello", "hi", temperature=0.2)
    response = client_for(alice).get(reverse("runs:run_body", args=[run.public_id]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content) == run.request


def test_it_plays_back_the_text_as_it_arrived_when_lengths_were_recorded():
    from playground.runs.replay import playback_chunks, recorded_exactly
    from playground.runs.models import Run

    run = Run(choices=[{"index": 0, "content": "Hello there, world"}], chunk_times=[0.1, 0.3, 0.35], chunk_lengths=[5, 7, 6])
    assert playback_chunks(run) == [(0.1, "Hello"), (0.3, " there,"), (0.35, " world")]
    assert recorded_exactly(run)
