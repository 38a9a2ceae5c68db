"""Reading answers the fake provider has no knob for: Retry-After forms, odd payloads, streams without [DONE]."""

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from playground.providers.errors import ProviderError
from playground.providers.responses import StreamProgress, parse_chunk, retry_after, status_error


def test_it_reads_retry_after_in_seconds_milliseconds_and_as_a_date():
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=120), usegmt=True)

    assert retry_after(httpx.Headers({"retry-after": "2"})) == 2.0
    assert retry_after(httpx.Headers({"retry-after-ms": "1500", "retry-after": "2"})) == 1.5
    assert 100 < retry_after(httpx.Headers({"retry-after": later})) <= 120
    assert retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after(httpx.Headers({"retry-after": "-5"})) == 0.0
    assert retry_after(httpx.Headers({})) is None


def test_it_accepts_a_stream_without_done_only_when_every_choice_finished():
    progress = StreamProgress()
    progress.note({"choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None},
                               {"index": 1, "delta": {"content": "b"}, "finish_reason": None}]})
    progress.note({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    assert not progress.complete()

    progress.note({"choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]})
    progress.note({"choices": [], "usage": {"total_tokens": 3}})
    assert progress.complete()
    assert not StreamProgress().complete()


def test_it_reads_error_events_and_refuses_chunks_that_are_not_objects():
    response = httpx.Response(200, headers={"apim-request-id": "azure-req-1"})

    with pytest.raises(ProviderError) as named_event:
        parse_chunk('{"message": "overloaded"}', "error", response)
    with pytest.raises(ProviderError) as not_an_object:
        parse_chunk("[1, 2]", "message", response)

    assert (named_event.value.kind, named_event.value.message) == ("stream_error", "overloaded")
    assert named_event.value.request_id == "azure-req-1"
    assert not_an_object.value.kind == "malformed"


def test_it_summarises_error_answers_that_are_not_openai_shaped():
    html = status_error(httpx.Response(502, headers={"x-request-id": "r1"}), b"<html>Bad gateway</html>")
    plain = status_error(httpx.Response(400), b'{"error": "model is required"}')
    moved = status_error(httpx.Response(301, headers={"location": "https://example.com/v1/"}), b"")

    assert html.message == "The provider answered HTTP 502 Bad Gateway."
    assert (html.request_id, html.retryable) == ("r1", True)
    assert plain.message == "model is required"
    assert moved.message == ("The provider answered HTTP 301 Moved Permanently. "
                             "It redirects to https://example.com/v1/.")
    assert "base URL" in moved.hint


def test_it_does_not_retry_what_a_proxy_already_retried():
    proxied = status_error(httpx.Response(500, headers={"x-litellm-attempted-retries": "3"}),
                           b'{"error": {"message": "litellm.InternalServerError: upstream failed"}}')
    direct = status_error(httpx.Response(500), b'{"error": {"message": "upstream failed"}}')

    assert (proxied.proxy_retries, proxied.retryable) == (3, False)
    assert (direct.proxy_retries, direct.retryable) == (None, True)


def test_it_does_not_retry_an_answer_of_a_proxy_that_retries_by_itself():
    # LiteLLM's error answers carry its call id, not how often it retried upstream (3 times, measured).
    error = status_error(httpx.Response(503, headers={"x-litellm-call-id": "452713c9"}),
                         b'{"error": {"message": "litellm.ServiceUnavailableError: upstream overloaded"}}')

    assert (error.proxy, error.retryable) == ("LiteLLM", False)


def test_it_obeys_the_servers_should_retry_header():
    refused = status_error(httpx.Response(503, headers={"x-should-retry": "false"}), b"")
    invited = status_error(httpx.Response(400, headers={"x-should-retry": "true"}), b"")

    assert (refused.retryable, invited.retryable) == (False, True)


@pytest.mark.parametrize("message", [
    "[{'type': 'literal_error', 'loc': ('body', 'messages', 0, 'typed-dict', 'role'), 'msg': \"Input should be 'system'\"}]",
    "image input is not supported - hint: if this is unexpected, you may need to provide the mmproj",
])
def test_it_tells_a_500_that_blames_the_request_from_a_server_failure(message):
    error = status_error(httpx.Response(500), json.dumps({"error": {"message": message, "type": "server_error"}}).encode())

    assert (error.invalid_request, error.retryable) == (True, False)
    assert "had a problem on its side" not in error.hint
