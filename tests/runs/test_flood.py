"""One user floods their socket with messages while another's run streams: the flood is answered message by
message (or refused by the run limits), and the other run's frames arrive each once, its text stored once."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run, Status

from .faults import provider_sent
from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)
PINGS, JUNK, ATTACHES, STARTS = 300, 100, 100, 12


async def flood(socket, provider) -> dict:
    """Send every kind of message in a burst, without waiting for answers; return them, counted by type."""
    # Runs long enough (2 s) that the per-user limit on streaming runs refuses most of these.
    start = {"type": "run.start", "ref": None, "columns": [{"provider": provider.public_id, "body": body(model="fake-gpt@tokens=100,delay=20")}]}
    for number in range(max(PINGS, JUNK, ATTACHES, STARTS)):
        if number < PINGS:
            await socket.send_json_to({"type": "ping", "id": number})
        if number < JUNK:
            await socket.send_to(text_data="[" * 500 + "]" * 500 if number % 2 else "{not json")
        if number < ATTACHES:
            await socket.send_json_to({"type": "run.attach", "run": f"guessed-{number:014d}"})
        if number < STARTS:
            await socket.send_json_to({**start, "ref": f"s{number}"})
    answers = {"pong": 0, "error": 0, "run.accepted": 0, "run.rejected": 0}
    started, ended = set(), set()
    while sum(answers.values()) < PINGS + JUNK + ATTACHES + STARTS or started - ended:
        frame = await socket.receive_json_from(timeout=30)
        if frame["type"] in answers:
            answers[frame["type"]] += 1
        if frame["type"] == "run.accepted":
            started.update(frame["runs"])
        if frame["type"] in ("run.finished", "run.error"):
            ended.add(frame["run"])
    return answers


async def test_a_flood_from_one_user_neither_breaks_their_socket_nor_another_users_stream(fake_provider, settings):
    settings.RUNS_MAX_CONCURRENT = 3
    alice = await make_member("alice", fake_provider)
    mallory = await make_member("mallory", fake_provider)
    watching = await open_socket(alice[3])
    request_body = body(model="fake-gpt@tokens=300,delay=10")
    accepted = await start(watching, alice[2], request_body)
    flooding = await open_socket(mallory[3])

    answers, frames = await asyncio.gather(flood(flooding, mallory[2]), frames_until_end(watching, accepted["runs"][0], timeout=60))

    assert answers["pong"] == PINGS
    assert answers["error"] == JUNK + ATTACHES
    assert answers["run.accepted"] + answers["run.rejected"] == STARTS
    assert 1 <= answers["run.accepted"] <= settings.RUNS_MAX_CONCURRENT and answers["run.rejected"] > 0
    await flooding.send_json_to({"type": "ping", "id": "still-open"})
    while (frame := await flooding.receive_json_from(timeout=10))["type"] != "pong":
        pass
    assert frame["id"] == "still-open"

    sequenced = [frame["seq"] for frame in frames if "seq" in frame]
    assert sequenced == list(range(len(sequenced)))
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    assert run.status == Status.COMPLETED
    assert text_of(frames) == run.choices[0]["content"] == provider_sent(request_body)
    await flooding.disconnect()
    await watching.disconnect()
