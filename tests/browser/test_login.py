"""In a real browser: sign in, land on the playground, and see its socket connect."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_it_signs_in_and_shows_the_playground(signed_in_page, live_server_url):
    page = signed_in_page
    expect(page.locator(".page-title")).to_have_text("New session")
    expect(page.locator("#socket-status")).to_have_text("Connected", timeout=10_000)
    assert page.console_errors == []


def test_it_sends_anonymous_visitors_to_the_login_page(page, live_server_url, transactional_db):
    page.goto(f"{live_server_url}/")
    assert page.url == f"{live_server_url}/accounts/login/?next=/"
    expect(page.locator("h1")).to_have_text("Sign in")
