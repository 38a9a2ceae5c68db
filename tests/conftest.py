"""Fixtures the whole suite shares: users, a live Daphne server, and Chromium through Playwright."""

import asyncio
import contextlib
import inspect
import os

import pytest

from tests import factories
from tests.fakeprovider_fixture import *  # noqa: F401,F403  (fake_provider)
from tests.live import *  # noqa: F401,F403  (live_server_url, browser fixtures)

# Playwright's sync API runs an event loop in the main thread, which makes Django refuse ORM calls
# from sync tests and fixtures; the ORM use in this process is all sync, so this is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = factories.PASSWORD


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(django_db_blocker):
    """Users who can also sign in through the login form (with `password`)."""
    def make(username="alice", **extra):
        with django_db_blocker.unblock():
            return factories.make_user(username, password=PASSWORD, **extra)

    return make


@pytest.fixture
def alice(db, make_user):
    return make_user("alice")


@pytest.fixture
def team(db):
    """A team workspace with an owner, an editor, a viewer, an outsider and a stored credential."""
    return factories.make_team_of_four()


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop running in the main thread until the session ends,
    # which breaks async tests that come after it: run the browser tests last (the sort is stable).
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.fixturenames.append("_close_channel_layers")


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end sessions left open by worker threads and Daphne."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
async def _close_channel_layers():
    """After an async test, end what it left running (run tasks lingering, sweepers, control loops),
    then close the Redis connections of its channel layers, while the test's loop still runs. A
    control loop can sit in a blocking Redis read that redis-py keeps going through a cancellation;
    left to the loop's own shutdown, that task could be waited for forever."""
    yield
    from channels.layers import channel_layers

    left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left, timeout=15)
    for layer in list(channel_layers.backends.values()):
        if hasattr(layer, "close_pools"):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(layer.close_pools(), 10)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer object for every test. Each async test runs on its own event loop, and
    channels-redis keeps asyncio locks that belong to the loop that made them: a run's task left
    receiving when a test's loop closed would otherwise hand the next test a lock of a dead loop."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def _no_admitted_runs_left():
    """Runs admitted by one test and never started (a socket closed before its start was stored)
    hold a place in the process's count for a while (runs/admission.py): not into the next test."""
    from playground.runs import admission

    yield
    admission._reserved.clear()
