"""Turn bench/results/relay.json and browser.json (and the notes in bench/NOTES.md) into docs/BENCHMARKS.md.

    .venv/bin/python bench/report.py
"""

import json

from common import RESULTS, ROOT

TARGETS = {
    "p50": 5.0, "p99": 40.0, "cpu_us": 100.0, "streams": 300, "long_task_ms": 50.0, "cancel_ms": 500.0,
}


def verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def live(level: dict) -> bool:
    """Every run of the row streamed to its end live (no snapshot fallback, no time-out)."""
    return set(level["statuses"]) == {"run.finished: completed"}


def at(levels: list[dict], streams: int) -> dict | None:
    return next((level for level in levels if level["streams"] == streams), None)


def targets_table(relay: dict, browser: dict | None) -> list[str]:
    levels = relay["levels"]
    hundred = at(levels, 100) or {}
    cpu = [f"{level['streams']}: {level['cpu_us_per_token']} µs{'' if live(level) else ' (overloaded, overstated)'}"
           for level in levels if level["streams"] in (1, 100, 500)]
    largest = relay["largest_within_bound"] or 0
    cancel = relay["cancel"]["upstream_closed_ms"]
    writes = relay["writes_by_length"]
    run_writes = [w["per_run"]["tables"].get("runs_run", 0) for w in writes]
    rows = [
        ("p50 added delay at 100 streams", "< 5 ms", f"{hundred.get('added_p50_ms')} ms",
         verdict(hundred.get("added_p50_ms") is not None and hundred["added_p50_ms"] < TARGETS["p50"])),
        ("p99 added delay at 100 streams", "< 40 ms", f"{hundred.get('added_p99_ms')} ms",
         verdict(hundred.get("added_p99_ms") is not None and hundred["added_p99_ms"] < TARGETS["p99"])),
        ("server CPU per relayed token", "< 100 µs", "; ".join(cpu),
         verdict(all(level["cpu_us_per_token"] < TARGETS["cpu_us"] for level in levels if level["streams"] >= 100))),
        ("concurrent streams with p99 added delay < 100 ms", "≥ 300",
         f"{largest} (largest that passed of {', '.join(str(level['streams']) for level in levels)})",
         verdict(largest >= TARGETS["streams"])),
        ("database writes per run independent of tokens", "yes",
         f"run-table row writes per run: {run_writes[0]} for {writes[0]['tokens']} tokens in {writes[0]['mean_run_seconds']} s, "
         f"{run_writes[1]} for {writes[1]['tokens']} tokens in {writes[1]['mean_run_seconds']} s",
         "see note"),
        ("cancel closes the upstream request", "< 500 ms",
         f"p50 {cancel.get('p50')} ms, max {cancel.get('max')} ms over {relay['cancel']['upstream_closed']}/{relay['cancel']['cancels']} cancels",
         verdict(bool(cancel) and cancel["max"] < TARGETS["cancel_ms"])),
    ]
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
        "| streams | client procs | relay p50 / p99 ms | floor p50 / p99 ms | added p50 / p99 ms | CPU µs/token | "
        "Daphne CPU (cores) | RSS before → peak MiB | KiB/stream | ws bytes / text byte | frames/stream | statuses |",
        "| " + " | ".join(["---"] * 12) + " |",
    ]
    for level in levels:
        relay, floor = level["relay_ms"], level["floor_ms"]
        lines.append(
            f"| {level['streams']} | {level['client_processes']} | {relay.get('p50')} / {relay.get('p99')} | "
            f"{floor.get('p50')} / {floor.get('p99')} | {level['added_p50_ms']} / {level['added_p99_ms']} | "
            f"{level['cpu_us_per_token']} | {level['daphne_cpu_share']} | {level['rss_before_mib']} → {level['rss_peak_mib']} | "
            f"{level['rss_per_stream_kib']} | {level['wire_bytes_per_text_byte']} | {level['frames_per_stream']} | "
            f"{', '.join(f'{k}: {v}' for k, v in level['statuses'].items())} |")
    return lines


def load_table(levels: list[dict]) -> list[str]:
    lines = ["| streams | elapsed s | Daphne CPU s | fake provider CPU s | client CPU s | everything else s (PostgreSQL, other users) "
             "| machine busy s (of 2 × elapsed) |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for level in levels:
        ours = level["daphne_cpu_s"] + level["fake_provider_cpu_s"] + level["client_cpu_s"]
        lines.append(f"| {level['streams']} | {level['elapsed_s']} | {level['daphne_cpu_s']} | {level['fake_provider_cpu_s']} | "
                     f"{level['client_cpu_s']} | {round(level['machine_busy_s'] - ours, 1)} | {level['machine_busy_s']} |")
    return lines


def writes_table(relay: dict) -> list[str]:
    level_rows = [(f"{level['streams']} streams × {relay['settings']['tokens']} tokens", level["db_per_run"]) for level in relay["levels"]]
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
            f"- load average when the run began (1/5/15 min): {' / '.join(map(str, machine['load_before']))}"]


def main() -> None:
    relay = json.loads((RESULTS / "relay.json").read_text())
    browser_path = RESULTS / "browser.json"
    browser = json.loads(browser_path.read_text()) if browser_path.exists() else None
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
        ".venv/bin/python bench/browser_render.py",
        ".venv/bin/python bench/report.py",
        "```",
        "",
        "## Against the targets of issue 4",
        *targets_table(relay, browser),
        "",
        "## Relay, per number of concurrent streams",
        f"Fake provider at {1000 // relay['settings']['delay']} tokens/s, {relay['settings']['tokens']} tokens per stream, "
        f"runs started over {relay['settings']['ramp']} s, one Daphne process (DEBUG={int(relay['settings']['debug'])}), "
        f"a fresh Daphne for each row.",
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
        f"Ordinary fake text ({relay['ordinary_text']['streams']} streams, {relay['ordinary_text']['text_bytes_per_stream']} "
        f"bytes of answer each): {relay['ordinary_text']['wire_bytes_per_text_byte']} websocket bytes per byte of answer "
        f"text ({relay['ordinary_text']['frames_per_stream']} frames per stream).",
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
