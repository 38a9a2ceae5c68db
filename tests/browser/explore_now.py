import pytest
from playwright.sync_api import expect
from tests.live import ARTIFACTS
from playground.teams.access import personal_workspace
from tests.browser.journeys.conftest import add_fake_provider

pytestmark = pytest.mark.browser

@pytest.mark.parametrize("vp", [(1440, 900), (390, 844)])
def test_explore(browser, live_server_url, transactional_db, make_user, password, fake_provider, vp):
    user = make_user("xena")
    context = browser.new_context(viewport={"width": vp[0], "height": vp[1]})
    page = context.new_page()
    page.goto(f"{live_server_url}/accounts/login/")
    page.fill("#id_username", "xena"); page.fill("#id_password", password); page.click("button[type=submit]")
    expect(page.locator("#socket-status")).to_have_text("Connected")
    page.screenshot(path=str(ARTIFACTS / f"explore-noprovider-{vp[0]}.png"))
    page.click("#run-button")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"explore-noprovider-run-{vp[0]}.png"))
    add_fake_provider(personal_workspace(user), fake_provider)
    page.reload()
    expect(page.locator("#socket-status")).to_have_text("Connected")
    page.screenshot(path=str(ARTIFACTS / f"explore-new-{vp[0]}.png"))
    context.close()
