"""Browser fixtures: the playground page, signed in, with a provider pointing at the fake server."""

import pytest
from playwright.sync_api import expect

from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential


@pytest.fixture
def playground(signed_in_page, live_server_url, fake_provider):
    credential = ProviderCredential(workspace=personal_workspace(signed_in_page.user), name="Fake", kind="compatible", base_url=fake_provider.base_url)
    credential.set_api_key("sk-browser-test")
    credential.save()
    signed_in_page.goto(f"{live_server_url}/")
    expect(signed_in_page.locator("#socket-status")).to_have_text("Connected")
    # Named, not left to the default: a local model server on this machine adds a "Local" provider.
    signed_in_page.select_option("#f-provider", label="Fake")
    return signed_in_page
