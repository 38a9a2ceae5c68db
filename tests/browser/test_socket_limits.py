"""In a real browser: a request over the socket's message limit is refused before sending, saying what to shrink."""

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run

pytestmark = pytest.mark.browser


def test_it_refuses_an_oversized_request_and_releases_run(playground):
    page = playground
    page.fill("#f-model", "fake-gpt")
    # Past the server's limit (1 MB by default), in one paste.
    page.locator(".message[data-role=user] textarea").last.evaluate("(el) => { el.value = 'x'.repeat(1100000); el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.click("#run-button")
    expect(page.get_by_text("Shorten the messages")).to_be_visible()
    expect(page.locator("#run-button")).to_have_text("Run")
    expect(page.locator("#socket-status")).to_have_text("Connected")
    assert not Run.objects.exists()
