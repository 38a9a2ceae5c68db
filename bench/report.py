"""Turn bench/results/relay.json (with relay-overload.json, when there), read_side.json and browser.json (and the notes in bench/NOTES.md) into docs/BENCHMARKS.md.

    .venv/bin/python bench/report.py
"""

import json

from common import RESULTS, ROOT

TARGETS = {"streams": 150, "peer_factor": 5, "cpu_us": 150.0, "read_us": 40.0, "overload_p99_ms": 1000.0,
           "page_ms": 200.0, "run_ms": 10.0, "bytes": 3.0, "merged_bytes": 1.5, "long_task_ms": 50.0,
           "cancel_ms": 500.0}


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def live(level: dict) -> bool:
    """Every admitted run of the row streamed to its end live (no snapshot fallback, no time-out)."""
    return {status for status in level["statuses"] if status != "run.rejected: busy"} == {"run.finished: completed"}


def at(levels: list[dict], streams: int, server: str = "playground") -> list[dict]:
    return [level for level in levels if level["streams"] == streams and level.get("server", "playground") == server]


def loads(levels: list[dict]) -> str:
    return "/".join(str(level.get("load_1min", "?")) for level in levels)


def targets_table(relay: dict, browser: dict | None, read_side: dict | None) -> list[str]:
    levels = relay["levels"]
    largest = relay["largest_within_bound"] or 0
    peer = relay.get("peer_largest_within_bound") or 0
    rows = [("concurrent streams, one process, p99 added delay < 100 ms", f"≥ {TARGETS['streams']}",
             f"{largest} (of {', '.join(sorted({str(l['streams']) for l in levels if l.get('server', 'playground') == 'playground'}, key=int))})",
             verdict(largest >= TARGETS["streams"]))]
    if relay.get("peer", "none") != "none":
        rows.append((f"… against {relay['peer']} in the same run", f"≥ {TARGETS['peer_factor']}×",
                     f"{relay['peer']}: {peer}; ratio {round(largest / peer, 1) if peer else '∞ (the peer passed no level)'}",
                     verdict(not peer and largest > 0 or bool(peer) and largest >= TARGETS["peer_factor"] * peer)))
    hundred = at(levels, 100)
    if hundred:
        cpu = [level["cpu_us_per_token"] for level in hundred]
        rows.append(("server CPU per relayed token at 100 streams", f"≤ {TARGETS['cpu_us']:.0f} µs",
                     f"{' / '.join(f'{c} µs' for c in cpu)} (load {loads(hundred)})",
                     verdict(all(c is not None and c <= TARGETS["cpu_us"] for c in cpu))))
    if read_side:
        rows.append(("read side CPU per provider chunk (bench/read_side.py --mode task)", f"≤ {TARGETS['read_us']:.0f} µs",
                     f"{read_side['best_cpu_us_per_chunk']} µs at {read_side['streams']} streams "
                     f"(load {read_side['machine']['load_before'][0]})",
                     verdict(read_side["best_cpu_us_per_chunk"] <= TARGETS["read_us"])))
    overload = at(levels, 2 * TARGETS["streams"])
    if overload:
        p99 = [level["added_p99_ms"] for level in overload]
        pages = [level.get("page_load_ms", {}).get("p99") for level in overload]
        rows.append((f"at 2× capacity ({2 * TARGETS['streams']} streams): p99 added delay, all live, page loads",
                     f"< 1 s, live, < {TARGETS['page_ms']:.0f} ms",
                     f"p99 {' / '.join(map(str, p99))} ms; live: {'/'.join('yes' if live(l) else 'no' for l in overload)}; "
                     f"page p99 {' / '.join(map(str, pages))} ms (load {loads(overload)})",
                     verdict(all(p is not None and p < TARGETS["overload_p99_ms"] for p in p99) and all(map(live, overload))
                             and all(p is not None and p < TARGETS["page_ms"] for p in pages))))
    beyond = [level for level in levels if level["streams"] > 2 * TARGETS["streams"] and level.get("server", "playground") == "playground"]
    if beyond:
        refused = [level["statuses"].get("run.rejected: busy", 0) for level in beyond]
        rows.append(("beyond: new runs refused \"busy, try again\", admitted ones live",
                     "refused, not slowed", "; ".join(f"{l['streams']} streams: {r} refused, admitted live: "
                                                       f"{'yes' if live(l) else 'no'}, p99 {l['added_p99_ms']} ms"
                                                       for l, r in zip(beyond, refused)),
                     verdict(all(r > 0 and live(l) for l, r in zip(beyond, refused)))))
    if relay.get("run_cost"):
        cost = relay["run_cost"]
        opened = cost.get("open_socket")
        per_run = opened["cpu_ms_per_run"] if opened else cost["cpu_ms_per_run"]
        rows.append(("server CPU per run (validate, create, start, relay 5 tokens, finish)", f"≤ {TARGETS['run_ms']:.0f} ms",
                     (f"{opened['cpu_ms_per_run']} ms per run from an open page socket; " if opened else "")
                     + f"{cost['cpu_ms_per_run']} ms per run on a socket of its own (handshake, sign-in and close included), "
                     f"{cost['runs']} runs (load {cost['load_1min']})",
                     verdict(per_run <= TARGETS["run_ms"])))
    for key, name, goal in (("ordinary_text", "one token per frame", TARGETS["bytes"]),
                            ("merged_text", "frames merged (a fast provider)", TARGETS["merged_bytes"])):
        if relay.get(key):
            text = relay[key]
            rows.append((f"websocket bytes per byte of answer text, {name}", f"≤ {goal}",
                         f"{text['delta_bytes_per_text_byte']} in delta frames ({text['frames_per_stream']} frames per stream); "
                         f"{text['wire_bytes_per_text_byte']} with run.started and run.finished",
                         verdict(text["delta_bytes_per_text_byte"] <= goal)))
    if relay.get("writes_by_length"):
        writes = relay["writes_by_length"]
        run_writes = [w["per_run"]["tables"].get("runs_run", 0) for w in writes]
        # Insert and finish, plus a checkpoint a second: the writes follow a run's duration, not its tokens.
        per_second = [round((n - 2) / w["mean_run_seconds"], 2) for n, w in zip(run_writes, writes)]
        rows.append(("database writes per run independent of tokens", "yes",
                     f"run-table row writes per run: {run_writes[0]} for {writes[0]['tokens']} tokens in {writes[0]['mean_run_seconds']} s, "
                     f"{run_writes[1]} for {writes[1]['tokens']} tokens in {writes[1]['mean_run_seconds']} s "
                     f"(checkpoints per second of run: {per_second[0]} and {per_second[1]})",
                     verdict(abs(per_second[0] - per_second[1]) <= 0.2 * max(per_second))))
    if relay.get("cancel"):
        cancel = relay["cancel"]["upstream_closed_ms"]
        rows.append(("cancel closes the upstream request", f"< {TARGETS['cancel_ms']:.0f} ms",
                     f"p50 {cancel.get('p50')} ms, max {cancel.get('max')} ms over {relay['cancel']['upstream_closed']}/{relay['cancel']['cancels']} cancels",
                     verdict(bool(cancel) and cancel["max"] < TARGETS["cancel_ms"])))
    if browser:
        attempts = browser["attempts"]
        longest = [a["max_long_task_ms"] for a in attempts]
        rows.append(("longest main-thread task, 20,000-token answer", "< 50 ms",
                     f"{' / '.join(f'{ms} ms' for ms in longest)} in {len(attempts)} answers "
                     f"({' / '.join(str(a['long_tasks']) for a in attempts)} tasks over 50 ms)",
                     verdict(max(longest) < TARGETS["long_task_ms"])))
    lines = ["| target | goal | measured | |", "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {goal} | {measured} | {result} |" for name, goal, measured, result in rows]
    return lines


def levels_table(levels: list[dict]) -> list[str]:
    lines = [
        "| streams | through | run | load (1 min) | relay p50 / p99 ms | floor p50 / p99 ms | added p50 / p99 ms | CPU µs/token | "
        "server CPU (cores) | RSS before → peak MiB | ws bytes / text byte (deltas) | frames/stream | page load p50 / p99 ms | statuses |",
        "| " + " | ".join(["---"] * 14) + " |",
    ]
    for level in levels:
        relay, floor, pages = level["relay_ms"], level["floor_ms"], level.get("page_load_ms") or {}
        lines.append(
            f"| {level['streams']} | {level.get('server', 'playground')} | {level.get('repetition', 1)} | {level.get('load_1min', '?')} | "
            f"{relay.get('p50')} / {relay.get('p99')} | {floor.get('p50')} / {floor.get('p99')} | "
            f"{level['added_p50_ms']} / {level['added_p99_ms']} | {level['cpu_us_per_token']} | {level['daphne_cpu_share']} | "
            f"{level['rss_before_mib']} → {level['rss_peak_mib']} | {level['wire_bytes_per_text_byte']} "
            f"({level.get('delta_bytes_per_text_byte')}) | {level['frames_per_stream']} | {pages.get('p50')} / {pages.get('p99')} | "
            f"{', '.join(f'{k}: {v}' for k, v in level['statuses'].items())} |")
    return lines


def load_table(levels: list[dict]) -> list[str]:
    lines = ["| streams | through | elapsed s | server CPU s | fake provider CPU s | client CPU s | everything else s (PostgreSQL, other users) "
             "| machine busy s (of 2 × elapsed) |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for level in levels:
        ours = level["daphne_cpu_s"] + level["fake_provider_cpu_s"] + level["client_cpu_s"]
        lines.append(f"| {level['streams']} | {level.get('server', 'playground')} | {level['elapsed_s']} | {level['daphne_cpu_s']} | {level['fake_provider_cpu_s']} | "
                     f"{level['client_cpu_s']} | {round(level['machine_busy_s'] - ours, 1)} | {level['machine_busy_s']} |")
    return lines


def writes_table(relay: dict) -> list[str]:
    level_rows = [(f"{level['streams']} streams × {relay['settings']['tokens']} tokens", level["db_per_run"])
                  for level in relay["levels"] if level.get("server", "playground") == "playground"]
    length_rows = [(f"{w['runs']} runs × {w['tokens']} tokens ({w['mean_run_seconds']} s each)", w["per_run"])
                   for w in relay["writes_by_length"]]
    lines = ["| runs | commits / run | rows written / run (whole DB, TOAST included) | rows written / run, by table |",
             "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {per['commits']} | {per['rows_written']} | "
              f"{', '.join(f'{t}: {n}' for t, n in per['tables'].items())} |" for name, per in level_rows + length_rows]
    return lines


def machine_lines(machine: dict) -> list[str]:
    return [f"- date: {machine['date']}", f"- CPU: {machine['cpu']}, nproc {machine['nproc']}",
            f"- RAM: {machine['ram_gib']} GiB", f"- Python {machine['python']} on {machine['os']}",
            f"- load average when the run began (1/5/15 min): {' / '.join(map(str, machine['load_before']))}",
            f"- speed: {str(machine['speed_us']) + ' µs' if 'speed_us' in machine else 'not recorded (measured before results kept it)'} "
            "for a fixed piece of pure Python (bench/common.py python_speed; machines of this type differ by 2–3× from day to "
            "day, so CPU figures compare only at a similar speed)"]


def main() -> None:
    relay = json.loads((RESULTS / "relay.json").read_text())
    # Overload levels (2x the capacity target and beyond) measured by a second command, same harness.
    overload_path = RESULTS / "relay-overload.json"
    overload = json.loads(overload_path.read_text()) if overload_path.exists() else None
    if overload:
        relay["levels"] = relay["levels"] + overload["levels"]
    browser_path = RESULTS / "browser.json"
    browser = json.loads(browser_path.read_text()) if browser_path.exists() else None
    read_path = RESULTS / "read_side.json"
    read_side = json.loads(read_path.read_text()) if read_path.exists() else None
    notes = (ROOT / "bench" / "NOTES.md").read_text().strip()
    text = "\n".join([
        "# Benchmarks",
        "",
        "Generated by `bench/report.py` from `bench/results/*.json`; notes from `bench/NOTES.md`.",
        "",
        "## Machine",
        *machine_lines(relay["machine"]),
        "",
        "## Commands",
        "```",
        f".venv/bin/{relay['command']}",
        *([f".venv/bin/{overload['command']}"] if overload else []),
        ".venv/bin/python bench/browser_render.py",
        ".venv/bin/python bench/report.py",
        "```",
        "",
        "## Against the targets of issue 13",
        *targets_table(relay, browser, read_side),
        "",
        "## Relay, per number of concurrent streams",
        f"Fake provider at {1000 // relay['settings']['delay']} tokens/s, {relay['settings']['tokens']} tokens per stream, "
        f"runs started over {relay['settings']['ramp']} s, one Daphne process (DEBUG={int(relay['settings']['debug'])}), "
        f"a fresh Daphne (or peer proxy) for each row; \"load\" is the machine's 1-minute load average as the row began, "
        f"\"page load\" another signed-in user opening the playground page every {relay['settings'].get('page_interval', 0.5)} s meanwhile.",
        "",
        *levels_table(relay["levels"]),
        "",
        "Where the CPU went during each row:",
        "",
        *load_table(relay["levels"]),
        "",
        "## Database writes",
        *writes_table(relay),
        "",
        "## Cancel latency",
        f"{relay['cancel']['cancels']} runs cancelled one after another, 5 deltas in: from sending `run.cancel` to the "
        f"fake provider recording `closed_by_client_at`: p50 {relay['cancel']['upstream_closed_ms'].get('p50')} ms, "
        f"max {relay['cancel']['upstream_closed_ms'].get('max')} ms; to the terminal frame reaching the socket: "
        f"p50 {relay['cancel']['terminal_frame_ms']['p50']} ms, max {relay['cancel']['terminal_frame_ms']['max']} ms.",
        "",
        "## Answer bytes",
        *[f"- {name} ({text['streams']} streams, {text['text_bytes_per_stream']} bytes of answer each, a token every "
          f"{text.get('delay_ms')} ms): {text['delta_bytes_per_text_byte']} websocket bytes per byte of answer text in the "
          f"delta frames, {text['wire_bytes_per_text_byte']} with run.started (the request) and run.finished (the rendered "
          f"HTML), {text['frames_per_stream']} frames per stream."
          for name, text in (("Ordinary fake text", relay.get("ordinary_text")), ("Merged (fast provider)", relay.get("merged_text")))
          if text],
        "",
        *(browser_section(browser) if browser else []),
        "## Notes",
        notes,
        "",
    ])
    path = ROOT / "docs" / "BENCHMARKS.md"
    path.write_text(text + other_sections(path.read_text() if path.exists() else "", text))
    print(f"wrote {ROOT / 'docs' / 'BENCHMARKS.md'}")


def other_sections(current: str, ours: str) -> str:
    """Sections other benchmarks wrote into the file (e.g. bench/history.py's), kept as they are."""
    headings = {line for line in ours.splitlines() if line.startswith("## ")}
    kept = [section for section in current.split("\n## ")[1:] if f"## {section.splitlines()[0]}" not in headings]
    return "".join(f"\n## {section.rstrip()}\n" for section in kept)


def browser_section(browser: dict) -> list[str]:
    lines = [
        "## Browser rendering",
        f"Chromium ({' '.join(browser['chromium_args'])}) through Playwright, model `{browser['model']}`, "
        f"{len(browser['attempts'])} answers one after another. Main-thread tasks over 50 ms (the longtask API's "
        "threshold) from Ctrl+Enter until a second after Done:",
        "",
        "| answer | tokens | tokens/s | characters on the page | tasks over 50 ms | longest ms | at (s after Ctrl+Enter) | machine busy |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for number, attempt in enumerate(browser["attempts"], 1):
        run = attempt["run"]
        lines.append(f"| {number} | {run['output_tokens']} | {run['tokens_per_second']} | {attempt['rendered_chars']} | "
                     f"{attempt['long_tasks']} | {attempt['max_long_task_ms']} | {attempt['long_task_offsets_s']} | "
                     f"{attempt['machine_busy_share']:.0%} |")
    return [*lines, ""]


if __name__ == "__main__":
    main()
