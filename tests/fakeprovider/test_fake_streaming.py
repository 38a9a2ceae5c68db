"""Streamed answers: every chunk follows the schema, roles, ids, finish reasons, usage, logprobs."""

from tests.fakeprovider.helpers import chat_body, completion, sse_data, stream_chunks, streamed_text


def test_it_streams_chunks_that_follow_the_schema_and_end_with_done(api):
    data = sse_data(api, chat_body())
    chunks = stream_chunks(api, chat_body())

    assert data[-1] == "[DONE]"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert len({c["id"] for c in chunks}) == 1
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert all(c["system_fingerprint"] and c["model"] == "fake-gpt" for c in chunks)
    assert [c["choices"][0]["finish_reason"] for c in chunks][-1] == "stop"
    assert all("usage" not in c for c in chunks)


def test_it_streams_the_same_text_it_answers_without_streaming(api):
    streamed = streamed_text(stream_chunks(api, chat_body(seed=5)))

    assert streamed == completion(api, chat_body(seed=5))["choices"][0]["message"]["content"]


def test_it_streams_each_of_n_choices(api):
    chunks = stream_chunks(api, chat_body(n=3, max_tokens=6))
    finishes = {c["index"]: c["finish_reason"] for chunk in chunks for c in chunk["choices"] if c["finish_reason"]}

    assert finishes == {0: "length", 1: "length", 2: "length"}
    assert len({streamed_text(chunks, index) for index in range(3)}) == 3


def test_it_sends_usage_last_when_asked(api):
    chunks = stream_chunks(api, chat_body(stream_options={"include_usage": True}, max_tokens=4))

    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == 4
    assert all(c["usage"] is None for c in chunks[:-1])


def test_it_streams_logprobs_with_each_content_delta(api):
    chunks = stream_chunks(api, chat_body(logprobs=True, top_logprobs=2, max_tokens=5))
    content_choices = [c for chunk in chunks for c in chunk["choices"] if c["delta"].get("content")]

    assert len(content_choices) == 5
    for choice in content_choices:
        (entry,) = choice["logprobs"]["content"]
        assert entry["token"] == choice["delta"]["content"]
        assert len(entry["top_logprobs"]) == 2


def test_it_stops_a_stream_at_a_stop_sequence(api):
    full = streamed_text(stream_chunks(api, chat_body(seed=2)))
    stop = full.split()[4]

    chunks = stream_chunks(api, chat_body(seed=2, stop=stop))

    assert streamed_text(chunks) == full[: full.index(stop)]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
