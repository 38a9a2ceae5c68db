"""Relay benchmark: provider-to-browser delay, CPU, memory, bytes and database writes of runs.

    .venv/bin/python bench/relay.py --streams 1,100,500 --search 200,300,400

For each number of concurrent streams a fresh Daphne process serves N page sockets (opened by one
or more client processes, bench/relay_client.py), each running one run against the fake provider
at 50 tokens/s with stamped tokens; direct readers of the fake provider in the same client
processes give the floor. Then cancel latency, answer bytes for ordinary text, and database
writes for short and long answers of the same duration. Results go to bench/results/relay.json;
bench/report.py turns them into docs/BENCHMARKS.md.
"""

import argparse
import asyncio
import json
import math
import os
import sys
import time

import httpx
import psutil
from websockets.asyncio.client import connect

import common
import spy
from relay_client import Expander

RSS_SAMPLE_INTERVAL = 0.25
READY_TIMEOUT = 120.0
CANCEL_AFTER_DELTAS = 5
FRAME_TIMEOUT = 15.0
# A client reports every token delay it measured on one line: up to a few MB.
CLIENT_OUTPUT_LIMIT = 256 * 2**20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", default="1,100,500", help="stream counts always measured")
    parser.add_argument("--search", default="10,25,50,200,300,400",
                        help="more counts, measured upwards until one misses the p99 bound")
    parser.add_argument("--bound-ms", type=float, default=100.0, help="p99 added delay bound of the search")
    parser.add_argument("--delay", type=int, default=20, help="ms between tokens (20 = 50 tokens/s)")
    parser.add_argument("--tokens", type=int, default=500, help="tokens per stream (500 at 50/s = 10 s)")
    parser.add_argument("--ramp", type=float, default=2.0, help="runs start spread over this many seconds")
    parser.add_argument("--streams-per-client", type=int, default=150, help="sockets per client process")
    parser.add_argument("--cancels", type=int, default=20)
    parser.add_argument("--debug", action="store_true", help="run Daphne with DEBUG=1 (default: production settings)")
    parser.add_argument("--output", default="relay", help="results go to bench/results/OUTPUT.json")
    parser.add_argument("--levels-only", action="store_true",
                        help="skip cancel latency, ordinary text and writes by length")
    parser.add_argument("--profile", action="store_true",
                        help="sample Daphne with py-spy during each level (adds some CPU)")
    parser.add_argument("--peer", choices=("none", "litellm"), default="none",
                        help="also measure each level through LiteLLM's proxy (bench/setup_litellm installs it)")
    parser.add_argument("--peer-streams", default="10,25,50,75,100",
                        help="stream counts measured through the peer, upwards until one misses the bound")
    parser.add_argument("--repeat", type=int, default=1, help="measure each level this many times")
    parser.add_argument("--page-interval", type=float, default=0.5,
                        help="seconds between another user's page loads during each level")
    return parser.parse_args()


# -- numbers -------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def distribution_ms(delays_us: list[int]) -> dict:
    values = sorted(delays_us)
    if not values:
        return {}
    return {"count": len(values), **{f"p{p}": round(percentile(values, p) / 1000, 2) for p in (50, 90, 99)},
            "max": round(values[-1] / 1000, 2)}


def db_counters() -> dict:
    """Cumulative counters of this database: commits (reads included), rows written, and rows written per table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit, tup_inserted + tup_updated FROM pg_stat_database "
                       "WHERE datname = current_database()")
        commits, rows_written = cursor.fetchone()
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd FROM pg_stat_user_tables")
        tables = dict(cursor.fetchall())
    connection.close()  # a closed backend has flushed its own statistics
    return {"commits": commits, "rows_written": rows_written, "tables": tables}


def per_run(before: dict, after: dict, runs: int) -> dict:
    tables = {name: round((count - before["tables"].get(name, 0)) / runs, 1) for name, count in after["tables"].items()}
    return {"commits": round((after["commits"] - before["commits"]) / runs, 1),
            "rows_written": round((after["rows_written"] - before["rows_written"]) / runs, 1),
            "tables": {name: per for name, per in sorted(tables.items()) if per}}


def mean_run_seconds(member: dict, latest: int) -> float:
    from playground.runs.models import Run

    latest_runs = Run.objects.filter(author=member["user"]).order_by("-started_at")
    times = latest_runs.values_list("total_time", flat=True)[:latest]
    return round(sum(t or 0 for t in times) / latest, 2)


def busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


# -- client processes ----------------------------------------------------------------------------

async def drive_clients(jobs: list[dict], daphne: psutil.Process, deadline: float,
                        pages: dict | None = None) -> tuple[list[dict], int]:
    """Start the client processes, let them connect, then run; returns their tallies and Daphne's peak RSS.

    With `pages` ({"url", "cookie", "interval", "times": []}), another user loads the page every
    interval meanwhile, and each load's milliseconds go to pages["times"]."""
    processes = [await asyncio.create_subprocess_exec(sys.executable, str(common.ROOT / "bench" / "relay_client.py"),
                                                      stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                      cwd=common.ROOT, limit=CLIENT_OUTPUT_LIMIT) for _ in jobs]
    try:
        for process, job in zip(processes, jobs):
            process.stdin.write((json.dumps(job) + "\n").encode())
            await process.stdin.drain()
        for process in processes:
            ready = json.loads(await asyncio.wait_for(process.stdout.readline(), READY_TIMEOUT))
            if ready["failed"]:
                print(f"  warning: {ready['failed']} sockets failed to connect", file=sys.stderr)
        peak = {"rss": daphne.memory_info().rss}
        sampler = asyncio.create_task(sample_rss(daphne, peak))
        prober = asyncio.create_task(load_pages(pages)) if pages else None
        for process in processes:
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        lines = await asyncio.wait_for(asyncio.gather(*(p.stdout.readline() for p in processes)), deadline)
        sampler.cancel()
        if prober:
            prober.cancel()
        return [json.loads(line) for line in lines], peak["rss"]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def load_pages(pages: dict) -> None:
    """Another signed-in user opening the playground page, again and again: milliseconds per load."""
    async with httpx.AsyncClient(headers={"Cookie": pages["cookie"]}, timeout=30) as client:
        while True:
            started = time.monotonic()
            response = await client.get(pages["url"])
            if response.status_code == 200:
                pages["times"].append(round((time.monotonic() - started) * 1000, 1))
            await asyncio.sleep(pages["interval"])


async def sample_rss(process: psutil.Process, peak: dict) -> None:
    while True:
        peak["rss"] = max(peak["rss"], process.memory_info().rss)
        await asyncio.sleep(RSS_SAMPLE_INTERVAL)


def client_jobs(streams: int, floor_streams: int, member: dict, origin: str, provider_url: str, args, knobs: str,
                stamped: bool = True, peer_url: str | None = None) -> list[dict]:
    """Jobs of the client processes: `streams` page sockets each running a run through `origin`, or
    with `peer_url`, `streams` SSE streams through that proxy instead."""
    count = max(1, math.ceil(streams / args.streams_per_client))
    ws_url = origin.replace("http://", "ws://") + "/ws/playground/"
    sockets = 0 if peer_url else streams
    return [{
        "process": index, "streams": sockets // count + (index < sockets % count),
        "peer_streams": streams // count + (index < streams % count) if peer_url else 0, "peer_url": peer_url,
        "floor_streams": floor_streams // count + (index < floor_streams % count),
        "ws_url": ws_url, "origin": origin, "cookie": member["cookie"], "provider": member["provider"],
        "provider_url": provider_url, "api_key": common.API_KEY, "knobs": knobs, "stamped": stamped,
        "ramp": args.ramp, "deadline": stream_deadline(args),
    } for index in range(count)]


def stream_deadline(args) -> float:
    return args.ramp + args.tokens * args.delay / 1000 * 3 + 30


def merge(tallies: list[dict]) -> dict:
    merged = {"relay_delays": [], "floor_delays": [], "statuses": {}, "errors": []}
    for tally in tallies:
        merged["relay_delays"] += tally["relay_delays"]
        merged["floor_delays"] += tally["floor_delays"]
        merged["errors"] += tally["errors"]
        for status, count in tally["statuses"].items():
            merged["statuses"][status] = merged["statuses"].get(status, 0) + count
        for name in ("tokens", "floor_tokens", "wire_bytes", "delta_wire_bytes", "text_bytes", "frames", "cpu_seconds"):
            merged[name] = merged.get(name, 0) + tally[name]
    return merged


WARM_UP_KNOBS = "delay=5,tokens=20,stamp=1"


# -- one level -----------------------------------------------------------------------------------

def measure_level(streams: int, member: dict, provider_url: str, fake: psutil.Process, args,
                  peer: str | None = None, pages_member: dict | None = None) -> dict:
    """One row: `streams` concurrent streams through a fresh Daphne, or with `peer`, through a fresh peer proxy."""
    floor_streams = max(1, min(20, streams // 10))
    knobs = f"delay={args.delay},tokens={args.tokens},stamp=1"
    if peer:
        server_process, peer_url = common.start_litellm(provider_url, [WARM_UP_KNOBS, knobs])
        origin = peer_url.removesuffix("/v1")
    else:
        server_process, origin = common.start_daphne(args.debug)
        peer_url = None
    server, profiler = psutil.Process(server_process.pid), None
    pages = None
    try:
        warm_up = client_jobs(2, 0, member, origin, provider_url, args, WARM_UP_KNOBS, peer_url=peer_url)
        asyncio.run(drive_clients(warm_up, server, 60))
        time.sleep(1)
        db_before = db_counters()
        jobs = client_jobs(streams, floor_streams, member, origin, provider_url, args, knobs, peer_url=peer_url)
        rss_before = server.memory_info().rss
        cpu_before, fake_before = common.cpu_seconds(server), common.cpu_seconds(fake)
        busy_before, started, load = busy_seconds(), time.monotonic(), os.getloadavg()[0]
        if args.profile and not peer:
            profiler = spy.start(server.pid, args.ramp + args.tokens * args.delay / 1000, raw_profile(streams))
        if pages_member and not peer:
            pages = {"url": f"{origin}/", "cookie": pages_member["cookie"], "interval": args.page_interval, "times": []}
        tallies, rss_peak = asyncio.run(drive_clients(jobs, server, stream_deadline(args) + 30, pages))
        cpu_after, fake_after, busy_after = common.cpu_seconds(server), common.cpu_seconds(fake), busy_seconds()
        elapsed = time.monotonic() - started
    finally:
        common.stop(server_process)
    if profiler:
        profiler.wait(30)
        raw_profile(streams).with_suffix(".txt").write_text(spy.summarize(raw_profile(streams)) + "\n")
    time.sleep(1)
    db_after = db_counters()
    level = summarize_level(streams, floor_streams, len(jobs), merge(tallies), {
        "daphne_cpu_s": cpu_after - cpu_before, "fake_provider_cpu_s": fake_after - fake_before,
        "machine_busy_s": busy_after - busy_before, "elapsed_s": elapsed,
        "rss_before": rss_before, "rss_peak": rss_peak, "db": per_run(db_before, db_after, streams),
    })
    level["server"] = peer or "playground"
    level["load_1min"] = round(load, 2)
    if pages is not None:
        level["page_load_ms"] = distribution(pages["times"])
    return level


def distribution(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {}
    return {"count": len(values), "p50": percentile(values, 50), "p99": percentile(values, 99), "max": values[-1]}


def bytes_ratio(tally: dict) -> float | None:
    return round(tally["wire_bytes"] / tally["text_bytes"], 2) if tally["text_bytes"] else None


def raw_profile(streams: int):
    return common.RESULTS / f"profile-{streams}.raw"


def summarize_level(streams: int, floor_streams: int, processes: int, tally: dict, server: dict) -> dict:
    relay, floor = distribution_ms(tally["relay_delays"]), distribution_ms(tally["floor_delays"])
    return {
        "streams": streams, "client_processes": processes, "floor_streams": floor_streams,
        "statuses": tally["statuses"], "errors": tally["errors"][:5],
        "tokens_relayed": tally["tokens"], "floor_tokens": tally["floor_tokens"],
        "relay_ms": relay, "floor_ms": floor,
        "added_p50_ms": round(relay["p50"] - floor["p50"], 2) if relay and floor else None,
        "added_p99_ms": round(relay["p99"] - floor["p99"], 2) if relay and floor else None,
        "cpu_us_per_token": round(server["daphne_cpu_s"] / tally["tokens"] * 1e6, 1) if tally["tokens"] else None,
        "daphne_cpu_s": round(server["daphne_cpu_s"], 2),
        "daphne_cpu_share": round(server["daphne_cpu_s"] / server["elapsed_s"], 2),
        "fake_provider_cpu_s": round(server["fake_provider_cpu_s"], 2),
        "client_cpu_s": round(tally["cpu_seconds"], 2),
        "machine_busy_s": round(server["machine_busy_s"], 2),
        "elapsed_s": round(server["elapsed_s"], 2),
        "rss_before_mib": round(server["rss_before"] / 2**20, 1), "rss_peak_mib": round(server["rss_peak"] / 2**20, 1),
        "rss_per_stream_kib": round((server["rss_peak"] - server["rss_before"]) / streams / 1024, 1),
        "wire_bytes_per_text_byte": bytes_ratio(tally),
        "delta_bytes_per_text_byte": round(tally["delta_wire_bytes"] / tally["text_bytes"], 2) if tally["text_bytes"] else None,
        "frames_per_stream": round(tally["frames"] / streams, 1),
        "db_per_run": server["db"],
    }


def levels_to_measure(args) -> list[int]:
    return sorted({int(n) for n in args.streams.split(",") if n} | {int(n) for n in args.search.split(",") if n})


def measure_levels(member: dict, provider_url: str, fake: psutil.Process, args, pages_member: dict) -> list[dict]:
    always = {int(n) for n in args.streams.split(",") if n}
    results, failed_at = [], {}
    peer_levels = {int(n) for n in args.peer_streams.split(",") if n} if args.peer != "none" else set()
    for streams in sorted(set(levels_to_measure(args)) | peer_levels):
        servers = ([None] if streams in levels_to_measure(args) else []) + ([args.peer] if streams in peer_levels else [])
        for peer in servers:
            name = peer or "playground"
            if name in failed_at and streams > failed_at[name] and (peer or streams not in always):
                continue  # the search is over: a smaller count already missed the bound
            for repetition in range(args.repeat):
                print(f"measuring {streams} concurrent streams through {name} (run {repetition + 1}, "
                      f"load {os.getloadavg()[0]:.2f})...", flush=True)
                level = measure_level(streams, member, provider_url, fake, args, peer, pages_member)
                level["repetition"] = repetition + 1
                print(f"  added p50 {level['added_p50_ms']} ms, p99 {level['added_p99_ms']} ms, "
                      f"{level['cpu_us_per_token']} us CPU/token, {level['statuses']}, pages {level.get('page_load_ms')}",
                      flush=True)
                results.append(level)
                if name not in failed_at and (level["added_p99_ms"] is None or level["added_p99_ms"] >= args.bound_ms):
                    failed_at[name] = streams
    return results


def largest_within_bound(levels: list[dict], bound_ms: float, server: str = "playground") -> int | None:
    """The largest measured count whose p99 added delay is under the bound in every repetition, with
    every smaller count under it too."""
    best = None
    for level in sorted((level for level in levels if level.get("server", "playground") == server),
                        key=lambda level: level["streams"]):
        if level["added_p99_ms"] is None or level["added_p99_ms"] >= bound_ms or level["errors"]:
            break
        best = level["streams"]
    return best


# -- cancel latency ------------------------------------------------------------------------------

async def cancel_runs(origin: str, member: dict, count: int, label: str) -> list[dict]:
    """Start and cancel `count` runs one after another; when each cancel was sent, and when the terminal frame came."""
    ws_url = origin.replace("http://", "ws://") + "/ws/playground/"
    cancels = []
    headers = {"Cookie": member["cookie"]}
    async with connect(ws_url, origin=origin, additional_headers=headers, open_timeout=10) as socket:
        expander = Expander()
        for number in range(count):
            prompt = f"{label} {number}"
            body = {"model": "fake-gpt@delay=20,tokens=5000", "messages": [{"role": "user", "content": prompt}],
                    "stream": True}
            columns = [{"provider": member["provider"], "body": body}]
            await socket.send(json.dumps({"type": "run.start", "ref": prompt, "columns": columns}))
            run_id, deltas = None, 0
            while deltas < CANCEL_AFTER_DELTAS:
                frame = expander.expand(json.loads(await asyncio.wait_for(socket.recv(), FRAME_TIMEOUT)))
                run_id = frame["runs"][0] if frame["type"] == "run.accepted" else run_id
                deltas += frame["type"] == "run.delta"
            sent = time.time()
            await socket.send(json.dumps({"type": "run.cancel", "run": run_id}))
            while True:
                frame = expander.expand(json.loads(await asyncio.wait_for(socket.recv(), FRAME_TIMEOUT)))
                if frame["type"] in ("run.finished", "run.error"):
                    break
            cancels.append({"prompt": prompt, "sent": sent, "terminal_frame": time.time(),
                            "status": frame.get("status")})
    return cancels


def measure_cancels(origin: str, provider_origin: str, member: dict, count: int) -> dict:
    label = f"cancel-{time.time():.0f}"
    cancels = asyncio.run(cancel_runs(origin, member, count, label))
    time.sleep(1)
    requests = httpx.get(f"{provider_origin}/_fake/requests", timeout=10).json()["data"]
    streams = {s["request_id"]: s for s in httpx.get(f"{provider_origin}/_fake/stats", timeout=10).json()["streams"]}
    closed_at = {}
    for request in requests:
        if request["path"].endswith("/chat/completions") and label in request["body"]:
            prompt = json.loads(request["body"])["messages"][-1]["content"]
            closed_at[prompt] = streams.get(request["request_id"], {}).get("closed_by_client_at")
    upstream = sorted((closed_at[c["prompt"]] - c["sent"]) * 1000 for c in cancels if closed_at.get(c["prompt"]))
    frames = sorted((c["terminal_frame"] - c["sent"]) * 1000 for c in cancels)
    return {
        "cancels": count, "upstream_closed": len(upstream), "statuses": sorted({c["status"] for c in cancels}),
        "upstream_closed_ms": {"p50": round(percentile(upstream, 50), 1), "max": round(upstream[-1], 1)}
        if upstream else {},
        "terminal_frame_ms": {"p50": round(percentile(frames, 50), 1), "max": round(frames[-1], 1)},
    }


# -- answer bytes of ordinary text, and writes per run against answer length --------------------

def measure_text_bytes(member: dict, provider_url: str, args, delay: int | None = None) -> dict:
    """Websocket bytes per byte of ordinary answer text (the fake provider's words, ~5 bytes a token):
    of the delta frames alone, and of the whole run (run.started with the request, run.finished with
    the rendered HTML). At 50 tokens/s each token is its own frame; a fast provider's merge."""
    daphne_process, origin = common.start_daphne(args.debug)
    delay = args.delay if delay is None else delay
    try:
        knobs = f"delay={delay},tokens={args.tokens}"
        jobs = client_jobs(10, 0, member, origin, provider_url, args, knobs, stamped=False)
        daphne = psutil.Process(daphne_process.pid)
        tally = merge(asyncio.run(drive_clients(jobs, daphne, stream_deadline(args) + 30))[0])
    finally:
        common.stop(daphne_process)
    return {"streams": 10, "delay_ms": delay, "tokens": args.tokens,
            "wire_bytes_per_text_byte": round(tally["wire_bytes"] / tally["text_bytes"], 2),
            "delta_bytes_per_text_byte": round(tally["delta_wire_bytes"] / tally["text_bytes"], 2),
            "text_bytes_per_stream": tally["text_bytes"] // 10, "frames_per_stream": tally["frames"] / 10}


def measure_run_cost(member: dict, provider_url: str, args, runs: int = 20) -> dict:
    """Daphne's CPU per short run (5 tokens): validating, storing, starting, relaying and finishing it.

    Twice: each run on a socket of its own (opened and closed with it: the socket's handshake,
    sign-in and workspace lookup count too), and runs one after another on two open sockets, as
    from a page, whose socket stays open between runs."""
    daphne_process, origin = common.start_daphne(args.debug)
    daphne = psutil.Process(daphne_process.pid)

    def cpu_of(sockets: int, runs_per_socket: int) -> tuple[float, dict]:
        jobs = client_jobs(sockets, 0, member, origin, provider_url, args, "delay=1,tokens=5", stamped=False)
        for job in jobs:
            job["runs_per_socket"] = runs_per_socket
        before = common.cpu_seconds(daphne)
        tally = merge(asyncio.run(drive_clients(jobs, daphne, 120))[0])
        time.sleep(0.5)  # the last run's end is stored after its terminal frame went out
        return common.cpu_seconds(daphne) - before, tally["statuses"]

    try:
        cpu_of(4, 1)  # warm up
        time.sleep(1)
        cpu, statuses = cpu_of(runs, 1)
        time.sleep(1)
        open_cpu, open_statuses = cpu_of(2, runs // 2)
    finally:
        common.stop(daphne_process)
    return {"runs": runs, "statuses": statuses, "daphne_cpu_s": round(cpu, 3),
            "cpu_ms_per_run": round(cpu / runs * 1000, 2),
            "open_socket": {"sockets": 2, "statuses": open_statuses, "daphne_cpu_s": round(open_cpu, 3),
                            "cpu_ms_per_run": round(open_cpu / (runs // 2 * 2) * 1000, 2)},
            "load_1min": round(os.getloadavg()[0], 2)}


def measure_writes_by_length(member: dict, provider_url: str, args) -> list[dict]:
    """Five runs lasting ~5 s each, once with 100 tokens and once with 2,500: the writes should not differ."""
    results = []
    for tokens, delay in ((100, 50), (2500, 2)):
        daphne_process, origin = common.start_daphne(args.debug)
        try:
            before = db_counters()
            knobs = f"delay={delay},tokens={tokens}"
            jobs = client_jobs(5, 0, member, origin, provider_url, args, knobs, stamped=False)
            tally = merge(asyncio.run(drive_clients(jobs, psutil.Process(daphne_process.pid), 60))[0])
        finally:
            common.stop(daphne_process)
        time.sleep(1)
        results.append({"tokens": tokens, "delay_ms": delay, "runs": 5, "statuses": tally["statuses"],
                        "mean_run_seconds": mean_run_seconds(member, latest=5),
                        "per_run": per_run(before, db_counters(), 5)})
    return results


def measure_extras(member: dict, provider_url: str, provider_origin: str, args) -> dict:
    print("measuring cancel latency...", flush=True)
    daphne_process, origin = common.start_daphne(args.debug)
    try:
        cancels = measure_cancels(origin, provider_origin, member, args.cancels)
    finally:
        common.stop(daphne_process)
    print("measuring bytes of ordinary text, CPU per run and writes per run...", flush=True)
    return {"cancel": cancels, "ordinary_text": measure_text_bytes(member, provider_url, args),
            "merged_text": measure_text_bytes(member, provider_url, args, delay=1),
            "run_cost": measure_run_cost(member, provider_url, args),
            "writes_by_length": measure_writes_by_length(member, provider_url, args)}


def main() -> None:
    args = parse_args()
    common.setup_django(args.debug)
    machine = common.machine()
    fake_process, provider_url = common.start_fake_provider()
    provider_origin = provider_url.removesuffix("/v1")
    try:
        member = common.bench_member("bench-relay", provider_url)
        pages_member = common.bench_member("bench-pages", provider_url)
        levels = measure_levels(member, provider_url, psutil.Process(fake_process.pid), args, pages_member)
        extras = {} if args.levels_only else measure_extras(member, provider_url, provider_origin, args)
    finally:
        common.stop(fake_process)
    result = {
        "machine": machine, "command": " ".join(["python", *sys.argv]), "settings": {"debug": args.debug, **{
            k: getattr(args, k) for k in ("delay", "tokens", "ramp", "streams_per_client", "bound_ms", "page_interval",
                                          "repeat")}},
        "levels": levels, "largest_within_bound": largest_within_bound(levels, args.bound_ms),
        "peer": args.peer, "peer_largest_within_bound": largest_within_bound(levels, args.bound_ms, args.peer),
        "runs_per_process": os.environ.get("RUNS_PER_PROCESS", "300 (default)"),
        **extras,
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(f"wrote {common.write_result(args.output, result)}")
    print(json.dumps({"largest_within_bound": result["largest_within_bound"], **extras}, indent=1))


if __name__ == "__main__":
    main()
