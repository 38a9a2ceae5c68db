"""Notices: a run says when the answer shows the server ignored what was asked, and what was retried and why."""

import pytest

from .test_choices import WEATHER, run_to_end
from .helpers import body

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.PROVIDER_MAX_RETRIES = 2


async def test_it_notices_an_ignored_max_completion_tokens(fake_provider):
    frames, run = await run_to_end(fake_provider, body(model="fake-gpt@tokens=40,ignore=max_completion_tokens",
                                                       max_completion_tokens=5))

    (notice,) = run.notices
    assert "max_completion_tokens" in notice and "max_tokens" in notice
    assert frames[-1]["notices"] == run.notices


async def test_it_notices_an_ignored_limit_without_usage_too(fake_provider):
    _, run = await run_to_end(fake_provider, body(model="fake-gpt@tokens=40,ignore=max_completion_tokens+usage",
                                                  max_completion_tokens=5))

    assert any("max_completion_tokens" in notice for notice in run.notices)


async def test_it_says_nothing_about_a_limit_that_was_kept(fake_provider):
    _, run = await run_to_end(fake_provider, body(model="fake-gpt@tokens=40,ignore=usage", max_completion_tokens=5))

    assert run.notices == []


@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
async def test_it_notices_a_tool_choice_answered_without_a_tool_call(fake_provider, tool_choice):
    _, run = await run_to_end(fake_provider, body(model="fake-gpt@ignore=tools", tools=[WEATHER], tool_choice=tool_choice))

    (notice,) = run.notices
    assert "tool_choice" in notice


async def test_it_says_nothing_when_the_tool_was_called(fake_provider):
    _, run = await run_to_end(fake_provider, body(tools=[WEATHER], tool_choice="required"))

    assert run.notices == []


async def test_it_says_what_was_retried_and_why(fake_provider):
    frames, run = await run_to_end(fake_provider, body(model="fake-gpt@fault=503,times=1"))

    assert run.status == "completed"
    (notice,) = run.notices
    assert notice.startswith("Sent 2 times") and "HTTP 503" in notice
    assert [f["status"] for f in frames if f["type"] == "run.retrying"] == [503]


async def test_it_says_why_a_failure_was_not_retried_further(fake_provider):
    frames, run = await run_to_end(fake_provider, body(model="fake-gpt@fault=503"))

    assert run.status == "failed" and run.error["attempts"] == 3
    (notice,) = run.notices
    assert notice.startswith("Sent 3 times")


async def test_it_sends_an_invalid_request_once_and_says_so(fake_provider):
    frames, run = await run_to_end(fake_provider, body(model="fake-gpt@fault=invalid500"))

    assert run.status == "failed"
    assert (run.error["attempts"], run.error["invalid_request"]) == (1, True)
    assert not any(f["type"] == "run.retrying" for f in frames)
    assert len(fake_provider.requests) == 1
