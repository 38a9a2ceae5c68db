"""What every journey needs: a person at a screen size (desktop 1440×900, phone 390×844), signed in
through the real login form, with a fake provider in their workspace; screenshots of each step
kept in test-artifacts/journeys/<journey>-<size>/."""

import re
import shutil

import pytest
from playwright.sync_api import expect

from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential
from tests.live import ARTIFACTS

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}, "tablet": {"width": 1024, "height": 768}}
SHOTS = ARTIFACTS / "journeys"
STEPS: dict = {}  # folder -> screenshots taken so far

# Records CSP violations as they happen (Playwright's init scripts run outside the page's CSP).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""


def add_fake_provider(workspace, fake_provider, name="Fake") -> ProviderCredential:
    credential = ProviderCredential(workspace=workspace, name=name, kind="compatible", base_url=fake_provider.base_url)
    credential.set_api_key("sk-journey")
    credential.save()
    return credential


class Person:
    """One person in their own browser context, at one screen size, taking numbered screenshots."""

    def __init__(self, browser, base_url, user, password, size, journey):
        self.base_url, self.user, self.password, self.size = base_url, user, password, size
        self.context = browser.new_context(viewport=SIZES[size])
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.folder = SHOTS / f"{journey}-{size}"

    @property
    def is_phone(self) -> bool:
        return self.page.viewport_size["width"] < 900

    def shot(self, name: str):
        """A screenshot of this step, numbered in the order of the whole journey (all its people)."""
        STEPS[self.folder] = STEPS.get(self.folder, 0) + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        # caret="initial": hiding the caret injects a style the CSP would report.
        path = self.folder / f"{STEPS[self.folder]:02d}-{self.user.username}-{name}.png"
        self.page.screenshot(path=str(path), caret="initial")

    def goto(self, path: str):
        self.page.goto(f"{self.base_url}{path}")

    def sign_in(self, expect_path: str | None = "/"):
        page = self.page
        if "/accounts/login/" not in page.url:
            self.goto("/accounts/login/")
        page.fill("#id_username", self.user.username)
        page.fill("#id_password", self.password)
        page.click("button[type=submit]")
        if expect_path is not None:
            page.wait_for_url(f"{self.base_url}{expect_path}")

    def wait_connected(self):
        expect(self.page.locator("#socket-status")).to_have_text("Connected", timeout=15_000)

    # The side panes: drawers on narrow screens, always there on a desktop.

    def _open(self, drawer: str):
        toggle = self.page.locator(f"[data-drawer={drawer}]")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
            expect(self.page.locator(f"#{drawer}")).to_have_class(re.compile(r"\bis-open\b"))
            self.page.wait_for_timeout(250)  # the slide, for the screenshot
        expect(self.page.locator(f"#{drawer}")).to_be_in_viewport()

    def _close(self, drawer: str):
        toggle = self.page.locator(f"[data-drawer={drawer}]")
        if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "true":
            self.page.keyboard.press("Escape")
            expect(self.page.locator(f"#{drawer}")).not_to_have_class(re.compile(r"\bis-open\b"))
            self.page.wait_for_timeout(250)

    def open_panel(self):
        self._open("panel")

    def close_panel(self):
        self._close("panel")

    def open_sessions(self):
        self._open("sessions")

    def close_sessions(self):
        self._close("sessions")

    def open_group(self, key: str):
        """Open a group of the panel by its summary, as a person does."""
        self.open_panel()
        group = self.page.locator(f'details[data-group="{key}"]')
        if group.get_attribute("open") is None:
            group.locator("> summary").click()

    def set_field(self, selector: str, value: str):
        """Type into a panel field as a person does (the drawer opened first on a phone)."""
        self.open_panel()
        field = self.page.locator(selector)
        field.scroll_into_view_if_needed()
        field.fill(value)
        field.dispatch_event("change")

    def expect_pinned_shell(self):
        """The page itself never scrolls: the panes do."""
        sizes = self.page.evaluate("[document.scrollingElement.scrollHeight, innerHeight, document.scrollingElement.scrollWidth, innerWidth]")
        assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], f"the page scrolls: {sizes}"

    def expect_no_errors(self, allowed: tuple[str, ...] = ()):
        violations = self.page.evaluate("window.__cspViolations || []")
        errors = [error for error in self.errors if not any(part in error for part in allowed)]
        assert violations == [] and errors == [], f"CSP violations {violations}, console errors {errors}"

    def forget_errors(self):
        """After a page answered with an error status, which the browser logs as a console error."""
        self.page.wait_for_timeout(300)  # its console messages come after the load
        self.errors.clear()

    def close(self):
        self.context.close()


@pytest.fixture(params=["desktop", "phone"])
def size(request):
    return request.param


@pytest.fixture
def people(browser, live_server_url, transactional_db, make_user, password, request):
    """people(username, journey) -> a Person; their contexts close when the test ends."""
    made = []

    def person(username: str, journey: str, size: str = "desktop") -> Person:
        folder = SHOTS / f"{journey}-{size}"
        if not any(p.folder == folder for p in made):
            shutil.rmtree(folder, ignore_errors=True)  # this run's screenshots only
            STEPS[folder] = 0
        user = make_user(username)
        personal_workspace(user)
        made.append(Person(browser, live_server_url, user, password, size, journey))
        return made[-1]

    yield person
    for each in made:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            each.shot("failed")
        each.close()
