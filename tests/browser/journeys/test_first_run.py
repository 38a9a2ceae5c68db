"""Journey: a new user's first run. Sign in, find a model already chosen, write a system and a user
message, run with Ctrl+Enter, watch it stream, stop it with Esc, and keep the partial answer."""

import re

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser


def test_a_first_run_streams_and_stops_with_the_keyboard(people, fake_provider, size):
    ada = people("ada", "first-run", size)
    add_fake_provider(personal_workspace(ada.user), fake_provider)
    page = ada.page

    ada.sign_in()
    ada.wait_connected()
    expect(page.locator("#session-title")).to_have_text("New session")
    expect(page.locator(".message[data-role=user] .message-content")).to_have_count(1)
    expect(page.locator("#run-button")).to_have_text("Run")
    ada.expect_pinned_shell()
    ada.shot("signed-in")

    ada.open_panel()
    expect(page.locator("#f-provider option:checked")).to_have_text("Fake")
    expect(page.locator("#f-model")).not_to_have_value("")  # preselected from the provider's list
    ada.shot("model-preselected")
    # A slow model of the same provider, so there is time to watch it and stop it.
    page.fill("#f-model", "fake-slow@tokens=400,delay=40")
    ada.close_panel()

    page.fill("#system-message", "You answer in one short paragraph.")
    page.locator(".message[data-role=user] .message-content").fill("Tell me about rivers")
    ada.shot("written")
    page.keyboard.press("Control+Enter")

    card = page.locator(".run").last
    expect(card).to_be_in_viewport()
    expect(page.locator(".turn-prompt .prompt-message[data-role=user]")).to_have_text(re.compile("Tell me about rivers"))
    expect(card.locator(".run-status")).to_have_text(re.compile("Waiting for the first token|Streaming"))
    ada.shot("waiting")
    expect(card.locator(".run-status")).to_have_text("Streaming…", timeout=10_000)
    text = card.locator(".choice-text")
    expect(text).not_to_be_empty()
    first = len(text.inner_text())
    page.wait_for_timeout(600)
    assert len(text.inner_text()) > first, "the answer grows while it streams"
    expect(page.locator("#stop-button")).to_be_visible()
    ada.shot("streaming")

    page.keyboard.press("Escape")
    expect(card.locator(".run-status")).to_have_text("Stopped", timeout=10_000)
    kept = text.inner_text()
    assert kept.strip()
    expect(page.locator("#stop-button")).to_be_hidden()
    expect(page.locator("#run-button")).to_have_text("Run")
    expect(page.locator("#run-button")).to_be_enabled()
    expect(card.locator(".choice-continue")).to_be_visible()
    ada.expect_pinned_shell()
    ada.shot("stopped")

    run = Run.objects.get()
    assert run.status == "cancelled"
    assert " ".join(run.choices[0]["content"].split()).startswith(" ".join(kept.split())[:40])
    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].closed_by_client_at is not None)
    expect(page.locator("#session-title")).to_have_text("Tell me about rivers")
    assert page.url.endswith(f"/s/{run.conversation.public_id}/")

    # Back later: the stopped answer is still there, and so is what was sent.
    page.reload()
    ada.wait_connected()
    card = page.locator(".run").last
    expect(card.locator(".run-status")).to_have_text("Stopped")
    expect(card.locator(".choice-text")).not_to_be_empty()
    expect(page.locator("#system-message")).to_have_value("You answer in one short paragraph.")
    expect(page.locator(".message[data-role=user] .message-content").last).to_have_value("Tell me about rivers")
    ada.open_panel()
    expect(page.locator("#f-model")).to_have_value("fake-slow@tokens=400,delay=40")
    ada.shot("reopened")
    ada.expect_no_errors()
