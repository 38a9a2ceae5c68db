"""In a real browser: probe a provider from its page, then see the panel mark an option that
provider ignores before anything is run."""

import pytest
from playwright.sync_api import expect

from playground.providers.models import ProviderCredential
from playground.teams.access import personal_workspace
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser

# The fake provider imitating a server that ignores n and max_completion_tokens.
MODEL = "fake-gpt@ignore=n+max_completion_tokens"


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_it_probes_a_provider_and_warns_in_the_panel_before_a_run(signed_in_page, live_server_url, fake_provider):
    page = signed_in_page
    workspace = personal_workspace(page.user)
    credential = ProviderCredential(workspace=workspace, name="Fake", kind="compatible", base_url=fake_provider.base_url)
    credential.set_api_key("sk-browser-test")
    credential.save()

    page.goto(f"{live_server_url}/teams/w/{workspace.public_id}/providers/")
    probe = page.locator(f"#probe-{credential.public_id}")
    page.locator(".provider-probe > summary").last.click()
    probe.locator("input[name=model]").fill(MODEL)
    probe.get_by_role("button", name="Probe").click()
    findings = page.locator(f"#probe-{credential.public_id} .probe-findings")
    expect(findings.locator('tr[data-probe-key="unknown_model"]')).to_be_visible(timeout=30_000)
    expect(findings.locator('tr[data-probe-key="n"] .verdict')).to_have_text("ignored")
    expect(findings.locator('tr[data-probe-key="max_tokens"] .verdict')).to_have_text("honoured")
    screenshot(page, "probe-provider-page")

    page.goto(f"{live_server_url}/")
    page.select_option("#f-provider", label="Fake")
    note = page.locator("#known-n .known-note")
    expect(note).to_contain_text("ignored")
    expect(note).to_contain_text("1 choice for n: 2")
    page.locator('details[data-group]:has(.param[data-param="n"]) > summary').click()
    expect(note).to_be_visible()
    expect(page.locator("#known-max_completion_tokens .known-note")).to_contain_text("ignored")
    expect(page.locator("#known-seed .known-note")).to_have_count(0)
    page.locator('.param[data-param="n"]').scroll_into_view_if_needed()
    screenshot(page, "probe-panel-warning")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server_url}/teams/w/{workspace.public_id}/providers/")
    page.locator(".provider-probe > summary").last.click()
    expect(findings.locator('tr[data-probe-key="n"] .verdict')).to_be_visible()
    screenshot(page, "probe-provider-page-phone")
    assert page.console_errors == []
