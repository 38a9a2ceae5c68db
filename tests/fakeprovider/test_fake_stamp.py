"""The stamp knob: each content token is the wall-clock time it was sent (for the relay benchmark)."""

import time

from tests.fakeprovider.helpers import chat_body, completion, stream_chunks


def _stamps(text: str) -> list[float]:
    return [float(token) for token in text.split()]


def test_it_stamps_each_streamed_token_with_the_time_it_was_sent(api):
    before = time.time()
    chunks = stream_chunks(api, chat_body(model="fake-gpt@stamp=1,tokens=6,delay=1"))
    after = time.time()
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks if chunk["choices"]]
    tokens = [delta["content"] for delta in deltas if delta.get("content")]

    assert len(tokens) == 6
    assert all(token.endswith(" ") and len(token.split()) == 1 for token in tokens)
    stamps = [float(token) for token in tokens]
    assert stamps == sorted(stamps)
    assert before <= stamps[0] and stamps[-1] <= after


def test_it_stamps_a_whole_answer_with_its_send_time(api):
    before = time.time()
    answer = completion(api, chat_body(model="fake-gpt@stamp=1", max_tokens=4))
    after = time.time()

    stamps = _stamps(answer["choices"][0]["message"]["content"])
    assert len(stamps) == 4
    assert all(before <= stamp <= after for stamp in stamps)


def test_it_takes_the_stamp_knob_from_a_header(api):
    chunks = stream_chunks(api, chat_body(max_tokens=3), headers={"X-Fake-Stamp": "1"})
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])

    assert len(_stamps(text)) == 3
