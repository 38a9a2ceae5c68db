"""Fixtures of the provider client's tests: configs pointing at the fake provider, and a fresh client per test."""

import pytest

from playground.providers.client import close_client
from playground.providers.config import ProviderConfig
from tests.fakeprovider_fixture import fake_provider, fake_provider_server  # noqa: F401

API_KEY = "sk-test-0123456789abcdef"


@pytest.fixture(autouse=True)
async def fresh_client():
    """Each test runs on its own event loop; close that loop's pooled client when the test ends."""
    yield
    await close_client()


@pytest.fixture
def provider(fake_provider):
    return ProviderConfig(name="Fake", kind="openai", base_url=fake_provider.base_url, api_key=API_KEY)


@pytest.fixture
def provider_with(provider):
    """The fake provider with extra headers, i.e. X-Fake-* knobs for every request."""
    def make(**headers):
        knobs = {f"X-Fake-{name.replace('_', '-').title()}": str(value) for name, value in headers.items()}
        return ProviderConfig(name=provider.name, kind=provider.kind, base_url=provider.base_url,
                              api_key=provider.api_key, extra_headers=knobs)

    return make
