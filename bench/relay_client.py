"""One client process of the relay benchmark: N page sockets through Daphne, plus direct readers.

Started by bench/relay.py with a JSON job on stdin. It opens its sockets, prints `{"ready": ...}`,
waits for a `go` line, then starts one run per socket (spread over the ramp) and, in the same
event loop, a few direct streams from the fake provider (the floor). Every content token of the
fake provider is its send time (`stamp=1`), so each token's delay is receive time - stamp, for
both paths. Prints one JSON line of raw measurements and exits.
"""

import asyncio
import json
import random
import sys
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from playground.runs.protocol import Expander  # noqa: E402  (compact delta frames, as frames.js reads them)
from common import peer_model  # noqa: E402

CONNECT_CONCURRENCY = 20
CONNECT_TIMEOUT = 30.0
FRAME_TIMEOUT = 30.0


class Tally:
    """Everything measured in this process; delays in whole microseconds."""

    def __init__(self):
        self.relay_delays: list[int] = []
        self.floor_delays: list[int] = []
        self.tokens = 0
        self.floor_tokens = 0
        self.wire_bytes = 0
        self.delta_wire_bytes = 0  # of run.delta frames only (compact or full)
        self.text_bytes = 0
        self.frames = 0
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []

    def count_status(self, status: str) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


def websocket_frame_bytes(payload: str) -> int:
    """Bytes on the wire of one unmasked server-to-client text frame (RFC 6455 header + payload)."""
    size = len(payload.encode())
    return size + (2 if size <= 125 else 4 if size <= 65535 else 10)


def stamps_in(text: str) -> list[float]:
    return [float(token) for token in text.split()]


def request_body(knobs: str, prompt: str) -> dict:
    return {"model": f"fake-gpt@{knobs}", "messages": [{"role": "user", "content": prompt}], "stream": True}


async def open_socket(job: dict, limit: asyncio.Semaphore):
    async with limit:
        return await connect(job["ws_url"], origin=job["origin"], additional_headers={"Cookie": job["cookie"]},
                             open_timeout=CONNECT_TIMEOUT, max_queue=None, compression=None)


async def relay_runs(socket, job: dict, number: int, delay_before: float, tally: Tally) -> None:
    """`runs_per_socket` runs one after the other on `socket` (one, unless the job says more), as a
    page does: its socket stays open from run to run."""
    await asyncio.sleep(delay_before)
    for sequence in range(job.get("runs_per_socket", 1)):
        await relay_run(socket, job, f"{number}.{sequence}", tally)


async def relay_run(socket, job: dict, number: str, tally: Tally) -> None:
    """Start one run on `socket` and read its frames to the end, timing every stamped token."""
    body = request_body(job["knobs"], f"bench {job['process']}-{number}")
    await socket.send(json.dumps({"type": "run.start", "ref": number,
                                  "columns": [{"provider": job["provider"], "body": body}]}))
    expander = Expander()
    while True:
        text = await asyncio.wait_for(socket.recv(), FRAME_TIMEOUT)
        received = time.time()
        size = websocket_frame_bytes(text)
        tally.wire_bytes += size
        tally.frames += 1
        frame = expander.expand(json.loads(text))
        kind = frame.get("type")
        if kind == "run.delta":
            tally.delta_wire_bytes += size
            for choice in frame["choices"]:
                content = choice.get("content") or ""
                tally.text_bytes += len(content.encode())
                if job["stamped"]:
                    for stamp in stamps_in(content):
                        tally.relay_delays.append(round((received - stamp) * 1e6))
                        tally.tokens += 1
                else:
                    tally.tokens += 1
        elif kind in ("run.finished", "run.error", "run.snapshot"):
            tally.count_status(f"{kind}: {frame.get('status')}")
            return
        elif kind == "run.rejected" and frame.get("retry_after"):
            tally.count_status("run.rejected: busy")
            return
        elif kind in ("run.rejected", "error"):
            tally.count_status(kind)
            tally.errors.append(text[:300])
            return


async def floor_run(client: httpx.AsyncClient, job: dict, number: int, delay_before: float, tally: Tally,
                    peer: bool = False) -> None:
    """Read the fake provider directly with the same knobs: the delays of this path are the floor.

    With `peer`, `client` points at the peer proxy (LiteLLM) in front of the fake provider instead,
    and the delays count as the relay's."""
    await asyncio.sleep(delay_before)
    body = request_body(job["knobs"], f"{'peer' if peer else 'floor'} {job['process']}-{number}")
    if peer:
        body["model"] = peer_model(job["knobs"])
    delays = tally.relay_delays if peer else tally.floor_delays
    tokens = 0
    async with client.stream("POST", "/chat/completions", json=body) as response:
        if response.status_code != 200:
            tally.count_status(f"peer: HTTP {response.status_code}")
            tally.errors.append((await response.aread()).decode(errors="replace")[:300])
            return
        async for line in response.aiter_lines():
            received = time.time()
            if not line.startswith("data: {"):
                continue
            for choice in json.loads(line[6:]).get("choices") or ():
                content = (choice.get("delta") or {}).get("content") or ""
                if peer:
                    tally.text_bytes += len(content.encode())
                for stamp in stamps_in(content):
                    delays.append(round((received - stamp) * 1e6))
                    tokens += 1
    if peer:
        tally.tokens += tokens
        tally.count_status("peer: completed")
    else:
        tally.floor_tokens += tokens


async def guarded(coroutine, tally: Tally, what: str):
    try:
        await coroutine
    except Exception as error:  # one failed stream is reported, not fatal to the measurement
        tally.errors.append(f"{what}: {type(error).__name__}: {error}"[:300])
        tally.count_status(f"{what} failed")


async def main() -> None:
    job = json.loads(sys.stdin.readline())
    tally = Tally()
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    opened = await asyncio.gather(*(open_socket(job, limit) for _ in range(job["streams"])), return_exceptions=True)
    sockets = [s for s in opened if not isinstance(s, BaseException)]
    tally.errors += [f"connect: {type(e).__name__}: {e}"[:300] for e in opened if isinstance(e, BaseException)][:5]
    print(json.dumps({"ready": len(sockets), "failed": len(opened) - len(sockets)}), flush=True)
    if (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip() != "go":
        return
    rng = random.Random(job["process"])
    timeout = httpx.Timeout(FRAME_TIMEOUT, connect=CONNECT_TIMEOUT)
    headers = {"Authorization": f"Bearer {job['api_key']}"}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    provider = job["provider_url"]
    peer_headers = {"Authorization": f"Bearer {job.get('peer_key') or job['api_key']}"}
    async with httpx.AsyncClient(base_url=provider, timeout=timeout, headers=headers, limits=limits) as client, \
            httpx.AsyncClient(base_url=job.get("peer_url") or provider, timeout=timeout, headers=peer_headers,
                              limits=limits) as peer:
        runs = [guarded(relay_runs(s, job, n, rng.uniform(0, job["ramp"]), tally), tally, "relay")
                for n, s in enumerate(sockets)]
        runs += [guarded(floor_run(peer, job, n, rng.uniform(0, job["ramp"]), tally, peer=True), tally, "peer")
                 for n in range(job.get("peer_streams", 0))]
        floors = [guarded(floor_run(client, job, n, rng.uniform(0, job["ramp"]), tally), tally, "floor")
                  for n in range(job["floor_streams"])]
        try:
            await asyncio.wait_for(asyncio.gather(*runs, *floors), job["deadline"])
        except TimeoutError:
            tally.errors.append(f"deadline: streams still open after {job['deadline']} s")
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    print(json.dumps({**vars(tally), "cpu_seconds": time.process_time()}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
