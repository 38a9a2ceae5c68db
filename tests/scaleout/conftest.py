"""Tests with several real Daphne processes sharing a real Redis: skipped, saying why, without REDIS_URL."""

import os
import uuid

import pytest

from .cluster import DaphneProcess


def pytest_runtest_setup(item):
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is unset: these tests need a real Redis shared by several Daphne processes "
                    "(.ci/run sets it when one answers on 127.0.0.1:6379).")


@pytest.fixture(scope="module")
def redis_env():
    """Channel-layer settings for this module's processes: a key prefix of their own, so concurrent
    test runs on the same Redis never see each other's messages; a fast interrupted-run sweep."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is unset")
    return {
        "REDIS_URL": os.environ["REDIS_URL"],
        "CHANNEL_PREFIX": f"pgtest-{uuid.uuid4().hex[:12]}",
        "RUN_SWEEP_INTERVAL": "1",
        # Above the 5 s heartbeat of a quiet run, with a margin for a busy machine.
        "RUN_STALE_AFTER": "8",
    }


@pytest.fixture(scope="module")
def process_a(django_db_setup, redis_env):
    with DaphneProcess("a", redis_env) as process:
        yield process


@pytest.fixture(scope="module")
def process_b(django_db_setup, redis_env):
    with DaphneProcess("b", redis_env) as process:
        yield process
