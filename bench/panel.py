"""Panel benchmark: is the server, as the panel's only parser and validator, fast enough for live
feedback? Target: under 50 ms server time per request.

    .venv/bin/python bench/panel.py [--repeat 50]

Times the panel's round trips with Django's test Client in this process: the time inside the
server (middleware, session, view, parsing, validation, template), no network. Median, p95 and max
of `--repeat` requests after three warm-up requests, for a small form (a model, a prompt, two
options) and a full one (every option set, a strict schema and a tool). Writes
bench/results/panel.json and its own section ("Panel round trips") of docs/BENCHMARKS.md.
"""

import argparse
import json
import statistics
import sys
import time

import common

USERNAME = "bench-panel"
SECTION = "## Panel round trips"
TARGET_MS = 50.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    return parser.parse_args()


def forms() -> dict[str, dict]:
    sys.path.insert(0, str(common.ROOT))
    from playground.params.body import field_values
    from tests.params.samples import SAMPLES

    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Oslo, as JSON?"}]
    small = {"model": ["gpt-4o"], "messages": [json.dumps(messages)], "temperature": ["0.7"], "stream": ["true"]}
    full = {name: values for name, values in field_values({**SAMPLES, "messages": messages}).items() if values}
    full.pop("max_tokens", None)  # one token limit, as a valid request has
    full.pop("functions", None)
    full.pop("function_call", None)
    return {"small": small, "full": full, "full_body": {**SAMPLES, "messages": messages}}


def timed(call, repeat: int) -> dict:
    for _ in range(3):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 1),
            "p95_ms": round(samples[max(0, round(0.95 * len(samples)) - 1)], 1), "max_ms": round(max(samples), 1)}


def measure(user, repeat: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")  # outside tests, ALLOWED_HOSTS has no "testserver"
    client.force_login(user)
    given = forms()
    small, full = given["small"], given["full"]
    columns = [{"fields": {**full, "temperature": [str(0.2 * (index + 1))]}} for index in range(6)]
    validate = reverse("params:validate") + "?draft=1"
    cases = {
        "validate as the user types, small form": lambda: client.post(validate, small),
        "validate as the user types, every option set": lambda: client.post(validate, full),
        "raw JSON: the body of every option set": lambda: client.post(reverse("params:body"), full),
        "raw JSON: Apply a body of every option (fill)": lambda: client.post(
            reverse("params:fill"), {"text": json.dumps(given["full_body"])}),
        "View code, every option set": lambda: client.post(reverse("params:code"), full),
        "compare tabs, 6 columns of every option": lambda: client.post(
            reverse("column_tabs"), json.dumps({"columns": columns, "active": 0}), content_type="application/json"),
    }
    return {name: timed(call, repeat) for name, call in cases.items()}


def section(result: dict) -> str:
    machine = result["machine"]
    lines = [
        SECTION, "",
        f"`bench/panel.py`, {machine['date']}, {machine['nproc']} cores, Python {machine['python']}, load before "
        f"{' / '.join(map(str, machine['load_before']))}: server time per request (Django test Client in-process: "
        f"middleware, session, view, parsing, validation, template; no network; DEBUG=1), of {result['repeat']} "
        "requests after 3 warm-ups. The browser sends what the user entered; each of these answers is the only "
        "parse and check of it.", "",
        f"| request | median ms | p95 ms | max ms | median under {TARGET_MS:.0f} ms |", "| --- | --- | --- | --- | --- |",
    ]
    for name, numbers in result["cases"].items():
        verdict = "yes" if numbers["median_ms"] < TARGET_MS else "**no**"
        lines.append(f"| {name} | {numbers['median_ms']} | {numbers['p95_ms']} | {numbers['max_ms']} | {verdict} |")
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    common.setup_django(debug=True)
    from django.contrib.auth import get_user_model

    from playground.teams.access import personal_workspace

    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    personal_workspace(user)
    result = {"machine": common.machine(), "repeat": args.repeat, "cases": measure(user, args.repeat)}
    print(common.write_result("panel", result))
    common.write_section(SECTION, section(result))
    for name, numbers in result["cases"].items():
        print(f"{name}: median {numbers['median_ms']} ms, p95 {numbers['p95_ms']} ms, max {numbers['max_ms']} ms")


if __name__ == "__main__":
    main()
