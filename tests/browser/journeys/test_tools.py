"""Journey: a tool call. Define a function tool, run, see the call the model made (read-only: its
name, pretty-printed arguments and id), answer it, continue, reload: every run as it was stored."""

import json
import re

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def test_a_tool_call_is_shown_answered_and_kept(people, fake_provider, size):
    tom = people("tom", "tools", size)
    add_fake_provider(personal_workspace(tom.user), fake_provider)
    page = tom.page
    tom.sign_in()
    tom.wait_connected()

    tom.set_field("#f-model", "fake-gpt")
    tom.open_group("tools")
    page.click("[data-add-tool]")
    card = page.locator(".tool-card").last
    card.locator(".tool-name").fill("get_weather")
    card.locator(".tool-description").fill("The weather in a city")
    card.locator(".tool-parameters").fill(json.dumps(SCHEMA))
    card.locator(".tool-parameters").dispatch_event("change")
    tom.shot("tool-defined")
    tom.close_panel()

    page.locator(".message[data-role=user] .message-content").fill("What's the weather in Paris?")
    page.keyboard.press("Control+Enter")
    run_card = page.locator(".run").first
    expect(run_card.locator(".run-status")).to_have_text("Done", timeout=15_000)
    calls = run_card.locator(".run-call")
    expect(calls).to_have_count(1)
    expect(calls.locator(".run-call-name")).to_have_text("get_weather")
    expect(calls.locator(".run-call-id")).to_have_text(re.compile(r"^call_"))
    arguments = calls.locator(".run-call-args").inner_text()
    assert json.loads(arguments) and "\n" in arguments, f"pretty-printed JSON arguments: {arguments!r}"
    assert run_card.locator("input, textarea, select").count() == 0, "the call is shown, not edited"
    expect(run_card.locator(".choice-finish")).to_have_text("finish: tool_calls")
    answer_button = run_card.locator(".choice-continue")
    expect(answer_button).to_have_text("Answer the tool calls")
    tom.shot("tool-call-shown")

    call_id = calls.locator(".run-call-id").inner_text()
    answer_button.click()
    tool_message = page.locator(".message[data-role=tool]").last
    expect(tool_message.locator(".tool-call-id")).to_have_value(call_id)
    expect(tool_message.locator(".message-content")).to_be_focused()
    tool_message.locator(".message-content").fill('{"temperature_c": 18, "sky": "light rain"}')
    tom.shot("tool-answered")
    page.keyboard.press("Control+Enter")

    second = page.locator(".run").nth(1)
    expect(second.locator(".run-status")).to_have_text("Done", timeout=15_000)
    expect(second.locator(".choice-text")).not_to_be_empty()
    expect(second.locator(".run-call")).to_have_count(0)
    prompt = page.locator(".turn").nth(1).locator(".prompt-message[data-role=tool]")
    expect(prompt).to_contain_text(call_id)
    expect(prompt).to_contain_text("light rain")
    expect(second).to_be_in_viewport()
    tom.shot("continued")

    runs = list(Run.objects.order_by("started_at"))
    assert [run.status for run in runs] == ["completed", "completed"]
    assert runs[1].parent == runs[0]
    sent = runs[1].request["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["id"] == call_id and sent[2]["tool_call_id"] == call_id

    page.reload()
    tom.wait_connected()
    cards = page.locator(".run")
    expect(cards).to_have_count(2)
    expect(cards.locator(".run-status")).to_have_text(["Done", "Done"])
    expect(page.locator(".run-stop:visible")).to_have_count(0)
    expect(cards.first.locator(".run-call-name")).to_have_text("get_weather")
    expect(cards.first.locator(".choice-finish")).to_have_text("finish: tool_calls")
    expect(cards.nth(1).locator(".choice-text")).not_to_be_empty()
    expect(page.locator(".message[data-role=tool] .message-content").last).to_have_value('{"temperature_c": 18, "sky": "light rain"}')
    tom.shot("reloaded")
    tom.expect_pinned_shell()
    tom.expect_no_errors()
