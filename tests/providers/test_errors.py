"""Each failure becomes a ProviderError of the right kind, with the provider's words, and never the key."""

import json
import time

import pytest

from playground.providers.config import ProviderConfig
from playground.providers.errors import ProviderError
from tests.providers.conftest import API_KEY
from tests.providers.helpers import chat_body, closed_port, collect, collect_until_error


async def failure(config, body, **options) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await collect(config, body, **{"max_retries": 0, **options})
    return caught.value


async def test_it_reports_a_refused_key_in_the_providers_words(provider_with, fake_provider):
    error = await failure(provider_with(fault=401), chat_body(stream=True))

    assert (error.kind, error.status, error.code) == ("http", 401, "invalid_api_key")
    assert error.message == "Incorrect API key provided."
    assert error.error_type == "invalid_request_error"
    assert error.request_id == fake_provider.requests[0].request_id
    assert error.hint == "Check the API key of this provider."
    assert not error.retryable
    assert str(error) == "HTTP 401: Incorrect API key provided."


async def test_it_reads_retry_after_of_a_rate_limit(provider_with):
    error = await failure(provider_with(fault=429, retry_after=3), chat_body(stream=True))

    assert (error.kind, error.status, error.code) == ("http", 429, "rate_limit_exceeded")
    assert error.retry_after == 3.0
    assert error.retryable
    assert error.hint == "The provider is rate limiting; wait or lower concurrency."


@pytest.mark.parametrize("status", [500, 503])
async def test_it_marks_server_errors_retryable(provider_with, status):
    error = await failure(provider_with(fault=status), chat_body())

    assert (error.kind, error.status, error.retryable) == ("http", status, True)
    assert error.message.startswith("The server had an error") or "overloaded" in error.message


async def test_it_points_at_the_model_or_base_url_on_404(fake_provider):
    config = ProviderConfig("Fake", "openai", fake_provider.origin + "/v2", API_KEY)

    error = await failure(config, chat_body())

    assert (error.kind, error.status) == ("http", 404)
    assert error.message == "Invalid URL (POST /v2/chat/completions)"
    assert error.hint == "Check the model name and the base URL."


async def test_it_reports_an_error_event_in_the_middle_of_a_stream(provider_with, fake_provider):
    events, error = await collect_until_error(provider_with(fault="midstream"), chat_body(stream=True), max_retries=0)

    assert isinstance(error, ProviderError)
    assert events and all(event.kind == "chunk" for event in events)
    assert (error.kind, error.status, error.error_type) == ("stream_error", None, "server_error")
    assert error.message == "The server had an error while processing your request."
    assert error.request_id == fake_provider.requests[0].request_id


async def test_it_reports_a_malformed_chunk(provider):
    # The knob in the model name: as a header value, "malformed" would be redacted like any header value.
    error = await failure(provider, chat_body(stream=True, model="fake-gpt@fault=malformed"))

    assert error.kind == "malformed"
    assert error.message.startswith("The provider sent a malformed chunk (not JSON)")
    assert not error.retryable


async def test_it_reports_a_malformed_whole_answer(provider_with):
    error = await failure(provider_with(fault="malformed"), chat_body())

    assert error.kind == "malformed"
    assert error.message.startswith("The provider's answer is not a JSON object")


async def test_it_reports_a_stream_cut_before_its_end_as_a_connection_error(provider_with, fake_provider):
    error = await failure(provider_with(fault="drop"), chat_body(stream=True))

    assert error.kind == "connection"
    assert "broke before the answer was complete" in error.message
    assert error.request_id == fake_provider.requests[0].request_id
    assert error.hint == "Is the server running and reachable from the app?"


async def test_it_reports_a_refused_connection():
    config = ProviderConfig("Gone", "compatible", f"http://127.0.0.1:{closed_port()}/v1", API_KEY)

    error = await failure(config, chat_body())

    assert (error.kind, error.status, error.request_id) == ("connection", None, None)
    assert error.message.startswith("Could not connect to 127.0.0.1:")
    assert error.retryable


async def test_it_reports_a_silent_provider_as_a_timeout(provider_with, settings):
    settings.PROVIDER_READ_TIMEOUT = 0.3

    error = await failure(provider_with(fault="hang"), chat_body(stream=True))

    assert error.kind == "timeout"
    assert "stopped sending" in error.message
    assert error.retryable


def test_it_does_not_retry_an_exhausted_quota():
    error = ProviderError("http", "You exceeded your current quota.", status=429, code="insufficient_quota")

    assert not error.retryable
    assert "billing" in error.hint


def test_it_turns_into_a_dict_for_storing():
    error = ProviderError("http", "Bad value.", status=400, error_type="invalid_request_error", code="bad",
                          param="temperature", request_id="req_1")

    assert error.to_dict() == {
        "kind": "http", "status": 400, "message": "Bad value.", "type": "invalid_request_error", "code": "bad",
        "param": "temperature", "request_id": "req_1", "retry_after": None, "retryable": False,
        "hint": "The provider refused the request; check the parameter it names.",
    }


SECRET = "sk-leak-check-7f3a9c1e5b"


def _secret_config(base_url: str, **knobs) -> ProviderConfig:
    headers = {f"X-Fake-{name.title()}": value for name, value in knobs.items()}
    return ProviderConfig("Fake", "openai", base_url, SECRET, extra_headers=headers)


@pytest.mark.parametrize("scenario", [
    "http", "connection", "timeout", "deadline", "malformed", "stream_error", "echoed"])
async def test_it_never_shows_the_key_in_any_error(scenario, fake_provider, settings):
    settings.PROVIDER_READ_TIMEOUT = 0.3
    base, body, options = fake_provider.base_url, chat_body(stream=True), {}
    config = {
        "http": _secret_config(base, fault="401"),
        "connection": _secret_config(f"http://127.0.0.1:{closed_port()}/v1"),
        "timeout": _secret_config(base, fault="hang"),
        "deadline": _secret_config(base, delay="200"),
        "malformed": _secret_config(base, fault="malformed"),
        "stream_error": _secret_config(base, fault="midstream"),
        # A provider that echoes what it was sent: this one quotes a bad model-name knob.
        "echoed": _secret_config(base),
    }[scenario]
    if scenario == "deadline":
        options["deadline"] = time.monotonic() + 0.5
    if scenario == "echoed":
        body["model"] = f"fake-gpt@fault={SECRET}"

    error = await failure(config, body, **options)

    assert error.kind == {"echoed": "http"}.get(scenario, scenario)
    for shown in (str(error), repr(error), json.dumps(error.to_dict()), str(error.args)):
        assert SECRET not in shown
    if scenario == "echoed":
        assert "[redacted]" in error.message
