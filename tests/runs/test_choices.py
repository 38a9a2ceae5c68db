"""What a run assembles: several choices, logprobs, tool calls, JSON output, usage, stream: false."""

import json

import jsonschema
import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run

from .helpers import body, frames_until_end, make_member, open_socket, start, text_of

pytestmark = pytest.mark.django_db(transaction=True)


async def run_to_end(fake_provider, request_body, username="alice"):
    user, workspace, provider, cookie = await make_member(username, fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, request_body)
    assert accepted["type"] == "run.accepted", accepted
    frames = await frames_until_end(socket, accepted["runs"][0])
    await socket.disconnect()
    run = await sync_to_async(Run.objects.get)(public_id=accepted["runs"][0])
    return frames, run


async def test_it_keeps_three_choices_apart(fake_provider):
    frames, run = await run_to_end(fake_provider, body(n=3, seed=1))
    assert [c["index"] for c in run.choices] == [0, 1, 2]
    texts = [text_of(frames, i) for i in range(3)]
    assert [c["content"] for c in run.choices] == texts
    assert len(set(texts)) == 3
    assert frames[-1]["notices"] == []


async def test_it_collects_logprobs_per_token(fake_provider):
    frames, run = await run_to_end(fake_provider, body(logprobs=True, top_logprobs=3))
    tokens = run.choices[0]["logprobs"]
    assert "".join(t["token"] for t in tokens) == run.choices[0]["content"]
    assert all(len(t["top_logprobs"]) == 3 and t["logprob"] <= 0 for t in tokens)
    streamed = [t for f in frames if f["type"] == "run.delta" for c in f["choices"] for t in c.get("logprobs", [])]
    assert streamed == tokens


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city", "days"]},
    },
}


async def test_it_merges_tool_call_arguments_by_index(fake_provider):
    frames, run = await run_to_end(fake_provider, body(tools=[WEATHER], tool_choice="required"))
    calls = run.choices[0]["tool_calls"]
    assert calls[0]["function"]["name"] == "get_weather"
    arguments = json.loads(calls[0]["function"]["arguments"])
    jsonschema.validate(arguments, WEATHER["function"]["parameters"])
    pieces = [tc for f in frames if f["type"] == "run.delta" for c in f["choices"] for tc in c.get("tool_calls", [])]
    assert len(pieces) > 1, "arguments should stream in pieces"
    assert "".join(p.get("arguments", "") for p in pieces if p["index"] == 0) == calls[0]["function"]["arguments"]
    assert run.choices[0]["finish_reason"] == "tool_calls"


async def test_it_streams_json_that_fits_the_schema(fake_provider):
    schema = {"type": "object", "properties": {"answer": {"type": "string"}, "score": {"type": "number"}},
              "required": ["answer", "score"], "additionalProperties": False}
    response_format = {"type": "json_schema", "json_schema": {"name": "graded", "strict": True, "schema": schema}}
    frames, run = await run_to_end(fake_provider, body(response_format=response_format))
    jsonschema.validate(json.loads(run.choices[0]["content"]), schema)


async def test_it_stores_the_usage_chunk(fake_provider):
    frames, run = await run_to_end(fake_provider, body(stream_options={"include_usage": True}))
    assert run.usage["completion_tokens"] > 0
    assert run.output_tokens == run.usage["completion_tokens"]
    assert frames[-1]["usage"] == run.usage
    assert run.response["usage"] == run.usage


async def test_it_runs_without_streaming(fake_provider):
    request_body = body(stream=False)
    frames, run = await run_to_end(fake_provider, request_body)
    assert [f["type"] for f in frames] == ["run.started", "run.delta", "run.finished"]
    assert run.status == "completed"
    assert run.choices[0]["content"] == text_of(frames)
    assert run.response["object"] == "chat.completion"
    assert run.usage["total_tokens"] > 0
    assert json.loads(fake_provider.requests[-1].body) == request_body


async def test_it_says_when_the_server_ignored_an_option(fake_provider):
    # Ask for logprobs from a tool call: the fake, like real servers, sends none for tool arguments.
    frames, run = await run_to_end(fake_provider, body(tools=[WEATHER], tool_choice="required", logprobs=True))
    assert any("logprobs" in notice for notice in run.notices)
    assert frames[-1]["notices"] == run.notices


async def test_it_puts_multibyte_characters_split_across_reads_back_together(fake_provider):
    plain_frames, plain = await run_to_end(fake_provider, body(seed=7, max_tokens=200, model="fake-gpt@tokens=150"), "alice")
    split_frames, split = await run_to_end(fake_provider, body(seed=7, max_tokens=200, model="fake-gpt@tokens=150,split=1"), "bob")
    assert split.choices[0]["content"] == plain.choices[0]["content"]
    assert any(ord(ch) > 127 for ch in split.choices[0]["content"])
    assert "\ufffd" not in text_of(split_frames)
