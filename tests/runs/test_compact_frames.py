"""Compact delta frames: what the socket sends, and that reading them back gives every full frame."""

import json

import pytest

from playground.runs import protocol
from playground.runs.task import ACTIVE

from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)


def without_elapsed(frame: dict) -> dict:
    return {key: value for key, value in frame.items() if key != "elapsed"}


async def test_it_sends_text_only_deltas_compact_and_they_expand_to_the_full_frames(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    run_id = (await start(socket, provider, body(model="fake-gpt@tokens=30,delay=5")))["runs"][0]
    frames = await frames_until_end(socket, run_id)

    full = [json.loads(text) for text in ACTIVE[run_id].frames]  # the task's backlog: every frame in full
    assert [without_elapsed(frame) for frame in frames] == [without_elapsed(frame) for frame in full]
    compact = [message for message in socket.raw if isinstance(message, list)]
    text_only = [frame for frame in full if protocol.compact_content(frame) is not None]
    assert len(compact) == len(text_only) >= 1, "every text-only delta went compact, and only those"
    first, *rest = compact
    assert first[0] == 1 and first[3:] == [run_id, 1], "the first is defining: alias 1 is this run, seq 1"
    assert all(len(message) in (2, 3) and message[0] == 1 for message in rest)
    # What still goes in full: run.started, the delta with the finish reason, run.finished.
    assert {frame["type"] for frame in socket.raw if isinstance(frame, dict)} >= {"run.started", "run.finished"}
    await socket.disconnect()


async def test_a_compact_frame_of_one_word_costs_seven_bytes_around_its_text():
    event = protocol.frame_event("RUN", 5, protocol.delta([{"index": 0, "content": " word"}], 1.234), "{}", timed=False)
    assert protocol.compact(12, event, defining=False) == '[12," word"]'
    timed = {**event, "timed": True}
    assert protocol.compact(12, timed, defining=False) == '[12," word",1.234]'
    assert protocol.compact(12, event, defining=True) == '[12," word",1.234,"RUN",5]'


@pytest.mark.parametrize("frame", [
    protocol.delta([{"index": 0, "content": "a", "finish_reason": "stop"}], 1.0),
    protocol.delta([{"index": 1, "content": "a"}], 1.0),
    protocol.delta([{"index": 0, "content": "a"}, {"index": 1, "content": "b"}], 1.0),
    protocol.delta([{"index": 0, "content": "a", "logprobs": []}], 1.0),
    protocol.delta([{"index": 0, "content": "a"}], 1.0, usage={"total_tokens": 3}),
    protocol.delta([{"index": 0, "refusal": "no"}], 1.0),
    protocol.started({}),
])
def test_anything_more_than_text_for_choice_0_stays_a_full_frame(frame):
    assert protocol.compact_content(frame) is None


def test_text_that_needs_escaping_is_encoded_once_for_every_socket():
    frame = protocol.delta([{"index": 0, "content": 'say "hi"\n\u2603'}], 0.5)
    assert protocol.compact_content(frame) == '"say \\"hi\\"\\n\u2603"'


async def test_a_socket_attaching_mid_run_gets_a_defining_frame_with_its_own_alias(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    starter = await open_socket(cookie)
    other_run = (await start(starter, provider, body(model="fake-gpt@tokens=3,delay=1"), ref="r0"))["runs"][0]
    await frames_until_end(starter, other_run)
    run_id = (await start(starter, provider, body(model="fake-gpt@tokens=120,delay=20")))["runs"][0]
    seen = []
    while sum(frame["type"] == "run.delta" for frame in seen) < 5:
        seen.append(await starter.receive_json_from(timeout=10))

    watcher = await open_socket(cookie)
    await watcher.send_json_to({"type": "run.attach", "run": run_id, "after": 2})
    watched = await frames_until_end(watcher, run_id)
    assert [frame["seq"] for frame in watched] == list(range(3, 3 + len(watched)))
    first_compact = next(message for message in watcher.raw if isinstance(message, list))
    assert first_compact[0] == 1 and first_compact[3] == run_id, "aliases are per socket: the watcher's first is 1"
    on_starter = [message for message in starter.raw if isinstance(message, list) and len(message) == 5]
    assert {message[3]: message[0] for message in on_starter} == {other_run: 1, run_id: 2}

    seen += await frames_until_end(starter, run_id)
    assert text_of(seen) == text_of([frame for frame in seen if frame["seq"] <= 2]) + text_of(watched)
    await starter.disconnect()
    await watcher.disconnect()


def test_the_expander_counts_seqs_on_and_the_clock_between_elapsed_times():
    now = [100.0]
    expander = protocol.Expander(clock=lambda: now[0])
    assert expander.expand({"type": "run.started", "run": "R", "seq": 0})["seq"] == 0
    assert expander.expand([4, "a", 0.5, "R", 1]) == {
        "type": "run.delta", "run": "R", "seq": 1, "choices": [{"index": 0, "content": "a"}], "elapsed": 0.5}
    now[0] += 0.25
    assert expander.expand([4, "b"]) == {
        "type": "run.delta", "run": "R", "seq": 2, "choices": [{"index": 0, "content": "b"}], "elapsed": 0.75}
    assert expander.expand({"type": "run.delta", "run": "R", "seq": 3, "choices": [], "elapsed": 2.0})["seq"] == 3
    assert expander.expand([4, "c", 2.5])["seq"] == 4
