"""PostgreSQL restarts under a real Daphne process mid-run: the run streams on, its checkpoints resume, no
process takes it for dead, and every character the provider sent is stored once."""

import asyncio
import json
import os
import subprocess
import sys

import pytest

from tests.live import ROOT
from tests.runs.faults import provider_sent
from tests.runs.helpers import body
from tests.scaleout.cluster import DaphneProcess, Socket, text_of
from tests.servers import DedicatedPostgres

pytestmark = pytest.mark.slow
# The app's settings for this test: a run silent this long is taken for dead, looked for every second.
STALE_AFTER, SWEEP_INTERVAL = 6, 1
# About 30 s: it streams on well past the restart and the time its heartbeat would take to go stale.
LONG = "fake-gpt@tokens=2000,delay=15"
MEMBER = """
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential
user = get_user_model().objects.create_user("alice", password="pw-123456789")
provider = ProviderCredential(workspace=personal_workspace(user), name="Fake", kind="compatible", base_url=BASE_URL)
provider.set_api_key("sk-test-key-0123456789")
provider.save()
client = Client()
client.force_login(user)
print(json.dumps({"cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
                  "provider": provider.public_id}))
"""


def manage(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "playground.settings", "DEBUG": "1"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def postgres():
    with DedicatedPostgres() as server:
        manage(server.url, "migrate", "--noinput")
        yield server


class Provider:
    def __init__(self, public_id):
        self.public_id = public_id


def stored(postgres, run_id):
    [(status, choices, notices)] = postgres.query(
        "SELECT status, choices, notices FROM runs_run WHERE public_id = %s", [run_id])
    return status, (choices[0].get("content", "") if choices else ""), notices


async def test_it_streams_through_a_postgresql_restart_and_stores_every_character_once(postgres, fake_provider):
    output = manage(postgres.url, "shell", "-c", MEMBER.replace("BASE_URL", repr(fake_provider.base_url)))
    member = json.loads(output.strip().splitlines()[-1])
    provider, cookie = Provider(member["provider"]), member["cookie"]
    settings = {"DATABASE_URL": postgres.url, "RUN_STALE_AFTER": str(STALE_AFTER), "RUN_SWEEP_INTERVAL": str(SWEEP_INTERVAL)}
    with DaphneProcess("pg-restart", settings) as app:
        starter = await Socket.open(app.url, cookie)
        request_body = body(model=LONG)
        run_id = await starter.start(provider, request_body)
        frames = await starter.frames(3)
        while not stored(postgres, run_id)[1]:  # a first checkpoint, so there is text to lose
            frames += await starter.frames(1)

        # A restart that takes a few seconds: every connection is cut, and writes fail meanwhile.
        await asyncio.to_thread(postgres.stop)
        await asyncio.sleep(3)
        await asyncio.to_thread(postgres.start)
        # Long enough for a run whose heartbeat stopped to be taken for dead, and swept.
        await asyncio.sleep(STALE_AFTER + 3 * SWEEP_INTERVAL)

        # A second tab now gets the live run, not a snapshot saying the server stopped.
        watcher = await Socket.open(app.url, cookie)
        await watcher.send({"type": "run.attach", "run": run_id})
        watched = await watcher.frames_until_end(timeout=120)
        frames += await starter.frames_until_end(timeout=120)
        await starter.close()
        await watcher.close()

    assert watched[0]["type"] == "run.started", watched[0]
    assert frames[-1]["type"] == watched[-1]["type"] == "run.finished"
    status, content, notices = stored(postgres, run_id)
    assert status == "completed"
    assert content == provider_sent(request_body)
    assert text_of(frames) == text_of(watched) == content
    assert not any("interrupted" in notice for notice in notices)
