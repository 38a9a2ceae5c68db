"""Read-side benchmark: CPU per provider chunk of `stream_chat` (and of the run's bookkeeping).

    .venv/bin/python bench/read_side.py --streams 100 --tokens 300

Starts the fake provider, then reads N concurrent streams at 50 tokens/s in this process, the way
a run task reads them, and divides this process's CPU time by the chunks read. `--mode` picks
what is timed: `raw` (httpx's raw body iterator only: the transport floor), `stream_chat` (the
provider client: connection, SSE, JSON, events) or `task` (stream_chat plus what RunTask._read
does with each chunk: the assembler, pending news, chunk bookkeeping, metrics). Results are
printed and, with --output, written to bench/results/OUTPUT.json.
"""

import argparse
import asyncio
import contextlib
import os
import sys
import time

import common


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--delay", type=int, default=20, help="ms between tokens")
    parser.add_argument("--mode", choices=("raw", "stream_chat", "task"), default="stream_chat")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="the event loop (the server runs on uvloop: playground/server.py)")
    parser.add_argument("--output", default="")
    return parser.parse_args()


async def read_raw(config, body) -> int:
    from playground.providers.client import encode_body, get_client

    client = get_client()
    request = client.build_request("POST", config.chat_url(body["model"]), content=encode_body(body),
                                   headers=config.headers("text/event-stream", json_body=True))
    response = await client.send(request, stream=True)
    pieces = 0
    try:
        async for _ in response.aiter_raw():
            pieces += 1
    finally:
        await response.aclose()
    return body["_tokens"]


async def read_stream_chat(config, body) -> int:
    from playground.providers.client import stream_chat

    chunks = 0
    async with contextlib.aclosing(stream_chat(config, body)) as events:
        async for event in events:
            chunks += event.kind == "chunk"
    return chunks


async def read_task(config, body) -> int:
    from playground.runs.task import RunTask

    task = RunTask(run_id=f"bench-{id(body)}", control="", config=config, body=body, layer=None, meta={})
    await task._read()
    return len(task.chunk_times)


async def level(args, config) -> dict:
    from playground.providers.client import close_client

    reader = {"raw": read_raw, "stream_chat": read_stream_chat, "task": read_task}[args.mode]
    bodies = [{"model": f"fake-gpt@delay={args.delay},tokens={args.tokens}", "stream": True,
               "messages": [{"role": "user", "content": f"read {n}"}], "_tokens": args.tokens}
              for n in range(args.streams)]
    for body in bodies:
        if args.mode != "raw":
            body.pop("_tokens")
    # Warm the pool and the imports first.
    await reader(config, {**bodies[0], "model": "fake-gpt@delay=1,tokens=5"} | ({"_tokens": 5} if args.mode == "raw" else {}))
    started_cpu, started = time.process_time(), time.monotonic()
    counts = await asyncio.gather(*(reader(config, body) for body in bodies))
    cpu, elapsed = time.process_time() - started_cpu, time.monotonic() - started
    await close_client()
    chunks = sum(counts)
    return {"chunks": chunks, "cpu_s": round(cpu, 3), "elapsed_s": round(elapsed, 2),
            "cpu_us_per_chunk": round(cpu / chunks * 1e6, 1) if chunks else None}


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    sys.path.insert(0, str(common.ROOT))
    os.environ.update({"DJANGO_SETTINGS_MODULE": "playground.settings", "DEBUG": "1", "LOG_LEVEL": "WARNING"})
    import django

    django.setup()
    from playground.providers.config import ProviderConfig

    if args.loop == "uvloop":
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    fake, url = common.start_fake_provider()
    try:
        config = ProviderConfig(name="Fake bench", kind="compatible", base_url=url, api_key=common.API_KEY)
        results = []
        for _ in range(args.repeat):
            result = asyncio.run(level(args, config))
            print(f"{args.mode}: {args.streams} streams, {result}", flush=True)
            results.append(result)
    finally:
        common.stop(fake)
    best = min(r["cpu_us_per_chunk"] for r in results)
    print(f"{args.mode} on {args.loop}: best of {args.repeat}: {best} us CPU per chunk (load {os.getloadavg()[0]:.2f})")
    if args.output:
        common.write_result(args.output, {"machine": common.machine(), "mode": args.mode, "loop": args.loop, "streams": args.streams,
                                          "runs": results, "best_cpu_us_per_chunk": best})


if __name__ == "__main__":
    main()
