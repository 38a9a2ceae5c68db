"""The fake OpenAI-compatible provider as pytest fixtures: one server per test session, reset per test.

tests/conftest.py makes them available everywhere (`from tests.fakeprovider_fixture import *`).
"""

import pytest

from playground.fakeprovider.server import FakeProvider

__all__ = ["fake_provider", "fake_provider_server"]


@pytest.fixture(scope="session")
def fake_provider_server():
    """The running fake provider, shared by the session; prefer `fake_provider`, which resets it."""
    provider = FakeProvider()
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def fake_provider(fake_provider_server):
    """The shared fake provider with no recorded requests, streams or `times=N` counts."""
    fake_provider_server.reset()
    return fake_provider_server
