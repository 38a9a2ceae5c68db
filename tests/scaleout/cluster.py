"""Real Daphne processes and a websocket client that talks to them like a browser does.

Channels' test tools run the application in the test process; across processes only a real
client on a real socket works, so this uses the `websockets` library.
"""

import asyncio
import json
import os
import signal

from websockets.asyncio.client import connect

from playground.runs.protocol import Expander
from tests.live import free_port, start_daphne, stop_process, wait_healthy

TIMEOUT = 15


class DaphneProcess:
    """`with DaphneProcess("a", env) as process:` a healthy Daphne on a free port, stopped after."""

    def __init__(self, name: str, env: dict | None = None, args: tuple[str, ...] = ()):
        self.name = name
        self.env = env or {}
        self.args = args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        self.process = start_daphne(self.port, extra_env=self.env, log_name=f"daphne-{self.name}", args=self.args)
        try:
            wait_healthy(self.url, self.process)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.process.poll() is None:
            stop_process(self.process)

    def kill(self):
        """SIGKILL: the process gets no chance to finish or mark anything."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Socket:
    """The page's websocket (/ws/playground/) on one process, signed in by a session cookie."""

    def __init__(self, connection):
        self.connection = connection
        self.expander = Expander()  # compact delta frames arrive in their full shape

    @classmethod
    async def open(cls, url: str, cookie: str) -> "Socket":
        ws_url = url.replace("http://", "ws://") + "/ws/playground/"
        connection = await connect(ws_url, origin=url, additional_headers={"Cookie": cookie}, open_timeout=TIMEOUT)
        return cls(connection)

    async def send(self, message: dict) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = TIMEOUT) -> dict:
        return self.expander.expand(json.loads(await asyncio.wait_for(self.connection.recv(), timeout)))

    async def close(self) -> None:
        await self.connection.close()

    async def start(self, provider, body: dict, ref: str = "r1") -> str:
        await self.send({"type": "run.start", "ref": ref, "columns": [{"provider": provider.public_id, "body": body}]})
        reply = await self.receive()
        assert reply["type"] == "run.accepted", reply
        return reply["runs"][0]

    async def frames(self, count: int, timeout: float = TIMEOUT) -> list[dict]:
        """The next `count` frames (fewer if the run ends first)."""
        frames = []
        while len(frames) < count:
            frames.append(await self.receive(timeout))
            if is_end(frames[-1]):
                break
        return frames

    async def frames_until_end(self, timeout: float = TIMEOUT) -> list[dict]:
        frames = []
        while not frames or not is_end(frames[-1]):
            frames.append(await self.receive(timeout))
        return frames


def is_end(frame: dict) -> bool:
    return frame.get("type") in ("run.finished", "run.error", "run.snapshot")


def text_of(frames: list[dict]) -> str:
    deltas = [f for f in frames if f["type"] == "run.delta"]
    return "".join(c.get("content", "") for f in deltas for c in f["choices"] if c["index"] == 0)


def sequence_numbers(frames: list[dict]) -> list[int]:
    return [f["seq"] for f in frames if "seq" in f]
