import pytest
from playwright.sync_api import expect
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser

def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"explore-{name}.png"), caret="initial")

def test_explore(playground, live_server_url):
    page = playground
    errors = []
    page.on("console", lambda m: errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    shot(page, "empty-1440")
    page.fill("#f-model", "fake-gpt")
    page.fill("#system-message", "You are terse.")
    page.locator(".message[data-role=user] textarea").last.fill("What's the weather in Paris?")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=15000)
    shot(page, "run-1440")
    page.locator(".choice-continue").last.click()
    page.locator(".message[data-role=user] textarea").last.fill("And in Rome?")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status")).to_have_count(2)
    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=15000)
    shot(page, "run2-1440")
    page.reload()
    page.wait_for_timeout(2000)
    shot(page, "reload-1440")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    shot(page, "phone")
    page.click("[data-drawer=sessions]")
    page.wait_for_timeout(400)
    shot(page, "phone-sessions")
    page.keyboard.press("Escape")
    page.click("[data-drawer=panel]")
    page.wait_for_timeout(400)
    shot(page, "phone-panel")
    page.keyboard.press("Escape")
    page.click("#menu-button")
    shot(page, "phone-menu")
    print("\n".join(errors))
    print(page.evaluate("document.documentElement.scrollHeight"))
