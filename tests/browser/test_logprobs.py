"""In a real browser: the logprob heatmap's legend, and a token's alternatives in a popover opened
by a click or by the keyboard (arrows move between tokens, Esc closes)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_shows_a_tokens_alternatives_by_click_and_keyboard(playground):
    page = playground
    page.fill("#f-model", "fake-gpt@tokens=30")
    page.locator('details[data-group="logprobs"] > summary').click()
    page.select_option("#f-logprobs", "true")
    page.fill("#f-top_logprobs", "3")
    page.locator(".message[data-role=user] .message-content").fill("How sure are you?")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)
    expect(page.locator(".logprob-legend")).to_contain_text("Token probability")
    tokens = page.locator(".run .choice-text .tok")
    expect(tokens.first).to_have_attribute("tabindex", "0")

    tokens.nth(2).click()
    popover = page.locator(".token-popover")
    expect(popover).to_be_visible()
    expect(popover.locator(".token-popover-p")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(popover.locator(".token-alt-token")).not_to_have_count(0)
    page.keyboard.press("ArrowRight")
    expect(tokens.nth(3)).to_be_focused()
    expect(tokens.nth(3)).to_have_class(re.compile("is-open"))
    page.keyboard.press("Escape")
    expect(popover).to_be_hidden()
    expect(page.locator(".run .run-status")).to_have_text("Done")  # Esc closed the popover, nothing else

    tokens.first.focus()
    page.keyboard.press("Enter")
    expect(popover).to_be_visible()
    page.mouse.click(5, 300)
    expect(popover).to_be_hidden()
    assert page.console_errors == []
