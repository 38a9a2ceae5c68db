"""Journey: things go wrong. An unreadable JSON schema, an empty prompt, a provider answering 401,
429 or 500 or saying nothing at all, a request too big for the connection: each time a clear
message where the user is looking, and the Run button comes back."""

import re

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser


def run_button_recovers(page):
    expect(page.locator("#run-button")).to_have_text("Run")
    expect(page.locator("#run-button")).to_be_enabled()


def last_card(page):
    return page.locator(".run").last


def check_invalid_schema(eve):
    page, feedback = eve.page, eve.page.locator("#run-feedback")
    # A JSON schema that does not parse: nothing is sent, the field is named in the run bar.
    eve.open_group("output")
    page.select_option("#f-response_format-main", "json_schema")
    page.fill("#f-response_format-name", "weather")
    page.fill("#f-response_format-schema", '{"type": "object", "properties": {')
    eve.close_panel()
    page.locator(".message[data-role=user] .message-content").fill("Weather in Oslo as JSON")
    page.keyboard.press("Control+Enter")
    expect(feedback).to_contain_text("Response format")
    run_button_recovers(page)
    assert Run.objects.count() == 0
    eve.shot("invalid-schema")
    # The name in the run bar takes the user to the field (opening the drawer on a phone).
    feedback.locator(".runbar-error-field").first.click()
    expect(page.locator("#panel")).to_be_in_viewport()
    expect(page.locator("#f-response_format-schema")).to_be_in_viewport()
    page.wait_for_timeout(300)  # the drawer's slide, for the screenshot
    # Said once, at the box it was typed in and naming it, counted in the user's own text; the run
    # bar says the same words.
    param = page.locator('[data-param="response_format"]')
    assert param.evaluate("el => el.innerText.split('Invalid JSON').length - 1") == 1, param.inner_text()
    note = param.locator("[data-local-error]")
    expect(note).to_have_text(re.compile(r"^JSON Schema: Invalid JSON on line 1, column \d+: "))
    expect(feedback).to_contain_text(note.inner_text())
    eve.shot("taken-to-the-field")
    page.fill("#f-response_format-schema", '{"type": "object", "properties": {"temp": {"type": "number"}}}')
    page.select_option("#f-response_format-main", "")
    eve.close_panel()


def test_every_failure_is_explained_and_run_recovers(people, fake_provider, size):
    eve = people("eve", "errors", size)
    add_fake_provider(personal_workspace(eve.user), fake_provider)
    page = eve.page
    feedback = page.locator("#run-feedback")
    eve.sign_in()
    eve.wait_connected()
    eve.set_field("#f-model", "fake-gpt")

    check_invalid_schema(eve)

    # An empty prompt is refused with the reason.
    page.locator(".message[data-role=user] .message-content").fill("")
    page.click("#run-button")
    expect(feedback).to_contain_text("The last user message is empty")
    run_button_recovers(page)
    assert Run.objects.count() == 0
    eve.shot("empty-prompt")

    # Provider failures: the card says what the provider answered; the Run button is back.
    for fault, words in (("401", "401"), ("429", "429"), ("500", "500")):
        eve.set_field("#f-model", f"fake-gpt@fault={fault}")
        eve.close_panel()
        page.locator(".message[data-role=user] .message-content").last.fill(f"Try a {fault}")
        page.keyboard.press("Control+Enter")
        card = last_card(page)
        expect(card).to_be_in_viewport()
        expect(card.locator(".run-status")).to_have_text("Failed", timeout=30_000)
        expect(card.locator(".run-error-title")).to_contain_text(f"The provider answered {words}")
        expect(card).to_be_in_viewport()
        expect(card.locator(".run-playback")).to_be_hidden()  # nothing to replay
        run_button_recovers(page)
        eve.shot(f"provider-{fault}")

    # A provider that never answers: the card says so after a while, and Esc stops it.
    eve.set_field("#f-model", "fake-gpt@fault=hang")
    eve.close_panel()
    page.locator(".message[data-role=user] .message-content").last.fill("Are you there?")
    page.keyboard.press("Control+Enter")
    card = last_card(page)
    expect(card.locator(".run-note")).to_contain_text("the provider may be stuck", timeout=15_000)
    eve.shot("provider-silent")
    page.keyboard.press("Escape")
    expect(card.locator(".run-status")).to_have_text("Stopped", timeout=10_000)
    run_button_recovers(page)
    eve.shot("silent-stopped")

    # A request bigger than the connection takes: refused before sending, said in the run bar.
    eve.set_field("#f-model", "fake-gpt")
    eve.close_panel()
    limit = page.evaluate("JSON.parse(document.getElementById('page-data').textContent).socket_max_bytes")
    assert limit, "the page knows the socket's limit"
    page.locator(".message[data-role=user] .message-content").last.fill("x" * (limit + 1000))
    before = Run.objects.count()
    page.keyboard.press("Control+Enter")
    expect(feedback).to_contain_text(re.compile(r"This request is .* the connection takes at most"))
    run_button_recovers(page)
    expect(page.locator("#socket-status")).to_have_text("Connected")
    assert Run.objects.count() == before
    eve.shot("too-large")

    # And a good run goes through afterwards.
    page.locator(".message[data-role=user] .message-content").last.fill("All good now?")
    page.keyboard.press("Control+Enter")
    expect(last_card(page).locator(".run-status")).to_have_text("Done", timeout=15_000)
    expect(feedback).to_have_text("")
    eve.expect_pinned_shell()
    eve.expect_no_errors()
