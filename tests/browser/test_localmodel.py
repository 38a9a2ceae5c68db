"""In a real browser: a prompt on the Local provider (llama.cpp + Gemma 3 270M) streams real tokens
and shows their logprob heatmap."""

import pytest
from playwright.sync_api import expect

from playground.ops.localmodel import MODEL_ALIAS
from playground.runs.models import Run
from tests.localmodel.conftest import local_model_url  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.local_model]


def open_group(page, key):
    group = page.locator(f"details[data-group={key}]")
    if group.get_attribute("open") is None:
        group.locator("> summary").click()


def test_it_streams_real_tokens_with_a_logprob_heatmap(signed_in_page, live_server_url, local_model_url):  # noqa: F811
    page = signed_in_page
    page.goto(f"{live_server_url}/")
    expect(page.locator("#socket-status")).to_have_text("Connected")
    page.select_option("#f-provider", label="Local")
    page.fill("#f-model", MODEL_ALIAS)
    page.locator(".message[data-role=user] textarea").last.fill("What is the capital of France?")
    open_group(page, "logprobs")
    page.select_option("#f-logprobs", "true")
    page.fill("#f-top_logprobs", "3")
    # llama.cpp ignores max_completion_tokens: the older max_tokens is the one it obeys.
    open_group(page, "deprecated")
    page.fill("#f-max_tokens", "24")
    page.keyboard.press("Control+Enter")

    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=60_000)
    run = Run.objects.get()
    assert run.status == "completed" and run.provider_name == "Local"
    tokens = run.choices[0]["logprobs"]
    assert tokens and "".join(t["token"] for t in tokens) == run.choices[0]["content"]
    heatmap = page.locator(".run .choice-text .tok")
    expect(heatmap).to_have_count(len(tokens))
    assert heatmap.first.get_attribute("title")  # the alternatives, on hover
    assert page.console_errors == []
