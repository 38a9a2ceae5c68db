"""Refused requests: authentication, schema and semantic errors, unknown knobs and URLs."""

import httpx
import pytest

from playground.spec.validators import ERROR, validator
from tests.fakeprovider.helpers import TIMEOUT, chat_body


def error_of(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["x-request-id"].startswith("req_")
    validator(ERROR).validate(response.json())
    return response.json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer bad-key"}, {"api-key": "bad-key"}])
def test_it_refuses_a_missing_or_bad_key(fake_provider, headers):
    with httpx.Client(base_url=fake_provider.base_url, timeout=TIMEOUT) as client:
        chat = client.post("/chat/completions", json=chat_body(), headers=headers)
        models = client.get("/models", headers=headers)

    assert error_of(chat, 401)["type"] == "invalid_request_error"
    error_of(models, 401)


def test_it_refuses_a_body_that_is_not_json(api):
    error = error_of(api.post("/chat/completions", content=b"{nope"), 400)

    assert error["type"] == "invalid_request_error"
    assert error["param"] is None
    assert "JSON" in error["message"]


def test_it_names_the_parameter_that_breaks_the_schema(api):
    error = error_of(api.post("/chat/completions", json=chat_body(temperature=5)), 400)

    assert error["param"] == "temperature"
    assert "2" in error["message"]


def test_it_names_a_bad_message_role(api):
    body = {"model": "fake-gpt", "messages": [{"role": "robot", "content": "hi"}]}

    assert error_of(api.post("/chat/completions", json=body), 400)["param"].startswith("messages[0]")


def test_it_refuses_a_body_without_messages(api):
    error = error_of(api.post("/chat/completions", json={"model": "fake-gpt"}), 400)

    assert "messages" in error["message"]


@pytest.mark.parametrize("options, param", [
    ({"top_logprobs": 2}, "top_logprobs"),
    ({"max_tokens": 5, "max_completion_tokens": 5}, "max_tokens"),
    ({"max_tokens": 0}, "max_tokens"),
    ({"stream_options": {"include_usage": True}}, "stream_options"),
    ({"tool_choice": "auto"}, "tool_choice"),
])
def test_it_enforces_the_rules_the_schema_cannot_express(api, options, param):
    assert error_of(api.post("/chat/completions", json=chat_body(**options)), 400)["param"] == param


def test_it_refuses_unknown_knobs(api):
    by_model = api.post("/chat/completions", json=chat_body(model="fake-gpt@speed=9"))
    by_header = api.post("/chat/completions", json=chat_body(), headers={"X-Fake-Delay": "soon"})

    assert error_of(by_model, 400)["param"] == "model"
    assert error_of(by_header, 400)["param"] == "x-fake-delay"


def test_it_answers_an_unknown_url_with_404(api):
    assert "Invalid URL" in error_of(api.post("/completions", json=chat_body()), 404)["message"]
