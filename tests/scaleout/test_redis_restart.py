"""Redis restarts under two Daphne processes mid-run: the run streams on, sockets reconnect as the page does
and mend their gaps, and the stored text is what the provider sent, once."""

import asyncio
import shutil
import uuid

import pytest
from asgiref.sync import sync_to_async
from websockets.exceptions import ConnectionClosed

from playground.runs.models import Run, Status
from tests.runs.faults import provider_sent
from tests.runs.helpers import body, make_member
from tests.servers import DedicatedRedis

from .cluster import DaphneProcess, Socket, is_end, text_of

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# About 25 s: streams on well past the restart.
LONG = "fake-gpt@tokens=1500,delay=15"


@pytest.fixture(scope="module")
def redis():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server): this test restarts its own")
    with DedicatedRedis() as server:
        yield server


@pytest.fixture(scope="module")
def processes(django_db_setup, redis):
    env = {"REDIS_URL": redis.url, "CHANNEL_PREFIX": f"restart-{uuid.uuid4().hex[:8]}",
           "RUN_SWEEP_INTERVAL": "1", "RUN_STALE_AFTER": "8"}
    with DaphneProcess("redis-a", env) as a, DaphneProcess("redis-b", env) as b:
        yield a, b


class Tab:
    """A page's socket as static/js/socket.js keeps it: reconnects when closed and re-attaches the run
    after the last frame it has, so it ends with each frame once, in order."""

    def __init__(self, url: str, cookie: str):
        self.url, self.cookie = url, cookie
        self.frames: list[dict] = []
        self.reconnects = 0

    async def watch(self, run_id: str, socket: Socket | None = None, timeout: float = 120):
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.frames or not is_end(self.frames[-1]):
            assert asyncio.get_running_loop().time() < deadline, "the run did not end in time"
            try:
                if socket is None:
                    socket = await Socket.open(self.url, self.cookie)
                    after = self.frames[-1]["seq"] if self.frames else -1
                    await socket.send({"type": "run.attach", "run": run_id, "after": after})
                frame = await socket.receive(timeout=30)
            except (ConnectionClosed, OSError):
                socket = None
                self.reconnects += 1
                await asyncio.sleep(0.5)
                continue
            if frame.get("run") == run_id:
                self.frames.append(frame)
        await socket.close()
        return self.frames


async def test_a_run_streams_on_through_a_redis_restart_and_every_socket_mends_its_gaps(processes, redis, fake_provider):
    a, b = processes
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    request_body = body(model=LONG)
    starter_socket = await Socket.open(a.url, cookie)
    run_id = await starter_socket.start(provider, request_body)
    starter, watcher = Tab(a.url, cookie), Tab(b.url, cookie)
    watching = asyncio.gather(starter.watch(run_id, starter_socket), watcher.watch(run_id))
    while len(watcher.frames) < 3:
        await asyncio.sleep(0.1)

    await asyncio.to_thread(redis.stop)
    await asyncio.sleep(2)
    await asyncio.to_thread(redis.start)

    await watching
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == Status.COMPLETED
    assert run.choices[0]["content"] == provider_sent(request_body)
    for tab in (starter, watcher):
        numbered = [frame["seq"] for frame in tab.frames if "seq" in frame]
        assert numbered == list(range(len(numbered))), "each frame once, in order"
        assert tab.frames[-1]["type"] == "run.finished"
        assert text_of(tab.frames) == run.choices[0]["content"]
