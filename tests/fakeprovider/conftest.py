"""Fixtures of the fake provider's own tests: an HTTP client that talks to it with a valid key."""

import httpx
import pytest

from tests.fakeprovider.helpers import API_KEY, TIMEOUT
from tests.fakeprovider_fixture import fake_provider, fake_provider_server  # noqa: F401


@pytest.fixture
def api(fake_provider):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=fake_provider.base_url, headers=headers, timeout=TIMEOUT) as client:
        yield client
