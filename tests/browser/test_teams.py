"""In a real browser: an owner makes a team workspace and adds a teammate by username; the
teammate switches to it with the top-bar switcher. Screenshots of the team pages are kept."""

import re

import pytest
from playwright.sync_api import expect

from playground.teams.models import Membership, Role, Workspace
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser


def sign_in(page, live_server_url, user, password):
    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server_url}/")


def shoot(page, name):
    # The page scrolls inside <main>, so grow the window to the content for a whole-page picture.
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("document.querySelector('main').scrollHeight + document.querySelector('header').offsetHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.screenshot(path=str(ARTIFACTS / f"teams-{name}.png"))
    page.set_viewport_size(size)


def test_it_lets_an_owner_build_a_team_and_a_teammate_switch_to_it(
    browser, page, live_server_url, transactional_db, make_user, password
):
    owner, teammate = make_user("olivia"), make_user("theo")
    sign_in(page, live_server_url, owner, password)

    page.click("text=Workspace settings")
    expect(page.locator("h1")).to_have_text("Personal")
    shoot(page, "personal")
    page.click("text=New team workspace")
    page.fill("#id_name", "Research")
    shoot(page, "new")
    page.click("button:has-text('Create workspace')")
    expect(page.locator("h1")).to_have_text("Research")
    expect(page.locator("#workspace-switcher option:checked")).to_have_text("Research")

    page.fill("#id_username", "theo")
    page.select_option("#id_role", "editor")
    page.click("button:has-text('Add member')")
    expect(page.locator(".flash")).to_contain_text("Added theo as editor.")
    page.click("button:has-text('Create link')")
    expect(page.locator("#new-link")).to_have_value(re.compile(rf"^{re.escape(live_server_url)}/teams/join/[\w-]{{43}}/$"))
    shoot(page, "settings")
    workspace = Workspace.objects.get(name="Research")
    assert Membership.objects.get(workspace=workspace, user=teammate).role == Role.EDITOR

    page.click(".mainnav >> text=Providers")
    page.click("text=Add provider")
    page.fill("#id_name", "Gateway")
    page.fill("#id_base_url", "https://gateway.example.com/v1")
    page.fill("#id_api_key", "sk-browser-secret-000000")
    page.fill("#id_extra_headers", '{"X-Team": research}')
    page.click("button:has-text('Add provider')")
    expect(page.locator(".field-invalid .error")).to_contain_text("This is not valid JSON")
    expect(page.locator("#id_api_key")).to_have_value("")
    shoot(page, "provider-form-error")
    page.fill("#id_api_key", "sk-browser-secret-000000")
    page.fill("#id_extra_headers", '{"X-Team": "research"}')
    page.click("button:has-text('Add provider')")
    expect(page.locator(".provider h3").filter(has_text="Gateway")).to_have_count(1)
    shoot(page, "providers")
    assert "sk-browser-secret" not in page.content()
    # The form with the mistake came back as a 400, which Chromium reports; nothing else may.
    assert [error for error in page.console_errors if "status of 400" not in error] == []

    teammate_context = browser.new_context(viewport={"width": 1440, "height": 900})
    other = teammate_context.new_page()
    try:
        sign_in(other, live_server_url, teammate, password)
        expect(other.locator("#workspace-switcher option:checked")).to_have_text("Personal (just you)")
        with other.expect_navigation(timeout=10_000):
            other.select_option("#workspace-switcher", label="Research")
        # A fresh page from the server: the switch is stored in the session, not just in the menu.
        expect(other.locator("#workspace-switcher option:checked")).to_have_text("Research")
        providers_link = other.locator(".mainnav >> text=Providers")
        expect(providers_link).to_have_attribute("href", f"/teams/w/{workspace.public_id}/providers/")
        shoot(other, "playground-in-team")
        other.click("text=Workspace settings")
        expect(other.locator("h1")).to_have_text("Research")
        expect(other.locator(".team-kind")).to_have_text("Team workspace · you are editor")
        shoot(other, "teammate-settings")
    finally:
        teammate_context.close()
