"""Helpers of the fault tests: what the fake provider sends for a body, and a database that goes away."""

import asyncio
import contextlib

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, connection

from playground.fakeprovider.generation import plan_choices
from playground.fakeprovider.knobs import parse_knobs


def provider_sent(body: dict, index: int = 0) -> str:
    """The text the fake provider streams for `body` (its answers are a function of the body)."""
    return plan_choices(body, parse_knobs(body["model"], {}))[index].content


def _admin_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, apart from Django's (which goes away)."""
    db = connection.settings_dict
    return psycopg.connect(host=db.get("HOST") or None, port=db.get("PORT") or None, user=db.get("USER") or None,
                           password=db.get("PASSWORD") or None, dbname="postgres", autocommit=True)


@contextlib.asynccontextmanager
async def database_away():
    """The test database refuses connections and every open one is cut, as while PostgreSQL restarts,
    until the block ends (other databases on the server are not touched)."""
    name = connection.settings_dict["NAME"]

    def set_allowed(allowed: bool):
        with _admin_connection() as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
            if not allowed:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])

    await sync_to_async(set_allowed)(False)
    try:
        yield
    finally:
        await sync_to_async(set_allowed)(True)


def _drop_connection():
    try:
        connection.close()
    except (OperationalError, InterfaceError):
        pass


@pytest.fixture
async def reconnect_afterwards(transactional_db):
    """After a test that cut the database's connections: drop the dead ones, both the one pytest-django
    would flush the database through (torn down before transactional_db, which it asks for) and the
    one of the thread sync_to_async runs database calls on, which the next test's first query would
    otherwise find closed ("the connection is closed")."""
    yield
    await sync_to_async(_drop_connection)()
    _drop_connection()


async def eventually(predicate, timeout: float = 30):
    """Poll a database predicate until it holds; a failed query (the database away) counts as "not yet"."""
    def attempt():
        try:
            return predicate()
        except (OperationalError, InterfaceError):
            connection.close()
            return None

    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        result = await sync_to_async(attempt)()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")
