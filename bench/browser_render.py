"""Browser benchmark: does a 20,000-token answer at ~500 tokens/s stream without blocking the page?

    .venv/bin/python bench/browser_render.py

Signs in through the login form of one Daphne process (DEBUG=1, so it serves the static files),
sets the model to `fake-gpt@tokens=20000,delay=2` in the panel, types a prompt, presses
Ctrl+Enter and, with a PerformanceObserver for `longtask` entries installed before the page's
own scripts, records every main-thread task over 50 ms until the run is done (and one second
after, so the final markdown swap counts too), for three answers one after another.
Results go to bench/results/browser.json.
"""

import argparse
import json
import sys
import time

import psutil

import common

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "bench-browser-pw-4821"
# Installed before any page script runs. The longtask API reports only tasks over 50 ms.
LONG_TASK_OBSERVER = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push({start: entry.startTime, duration: entry.duration});
}).observe({type: "longtask", buffered: true});
"""
RUN_TIMEOUT_MS = 180_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="fake-gpt@tokens=20000,delay=2")
    parser.add_argument("--repeat", type=int, default=3, help="measure this many answers, one after another")
    return parser.parse_args()


def measure(page, origin: str, model: str) -> dict:
    page.goto(f"{origin}/accounts/login/")
    page.fill("#id_username", "bench-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{origin}/")
    page.locator("#socket-status").filter(has_text="Connected").wait_for(timeout=15_000)
    page.select_option("select[name=provider]", label="Fake bench")
    page.fill("input[name=model]", model)
    page.locator(".message[data-role=user] textarea").last.fill("Write a very long answer, please.")
    page.evaluate("window.__longTasks = []")
    started_at = page.evaluate("performance.now()")
    started, busy_before = time.monotonic(), busy_seconds()
    page.keyboard.press("Control+Enter")
    status = page.locator(".run .run-status").last
    status.filter(has_text="Streaming").wait_for(timeout=30_000)
    first_text_at = time.monotonic()
    status.filter(has_text="Done").wait_for(timeout=RUN_TIMEOUT_MS)
    done, busy = time.monotonic(), busy_seconds() - busy_before
    page.wait_for_timeout(1000)
    tasks = page.evaluate("window.__longTasks")
    chars = page.evaluate("document.querySelector('.run .choice-text')?.textContent.length || 0")
    during = [t for t in tasks if t["start"] >= started_at]
    return {
        "seconds_to_streaming": round(first_text_at - started, 2), "seconds_to_done": round(done - started, 2),
        "long_tasks": len(during), "max_long_task_ms": round(max((t["duration"] for t in during), default=0), 1),
        "long_tasks_ms": [round(t["duration"], 1) for t in during][:50],
        "long_task_offsets_s": [round((t["start"] - started_at) / 1000, 2) for t in during][:50],
        "rendered_chars": chars,
        "machine_busy_share": round(busy / (done - started) / psutil.cpu_count(), 2),
    }


def busy_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def measure_once(browser, origin: str, model: str) -> dict:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        context.add_init_script(LONG_TASK_OBSERVER)
        return measure(context.new_page(), origin, model)
    finally:
        context.close()


def latest_runs(count: int) -> list[dict]:
    """What the server stored about the last `count` runs of the bench user, oldest first.

    Read after the browser is closed: Playwright's sync API keeps an event loop running, and
    Django refuses database calls from a thread with a running loop."""
    from playground.runs.models import Run

    runs = Run.objects.filter(author__username="bench-browser").order_by("-started_at")[:count]
    return [{"status": run.status, "output_tokens": run.output_tokens, "tokens_per_second": run.tokens_per_second,
             "total_time": run.total_time} for run in reversed(runs)]


def main() -> None:
    args = parse_args()
    common.setup_django(debug=True)
    from playwright.sync_api import sync_playwright

    machine = common.machine()
    fake_process, provider_url = common.start_fake_provider()
    daphne_process, origin = None, None
    try:
        common.bench_member("bench-browser", provider_url, password=PASSWORD)
        daphne_process, origin = common.start_daphne(debug=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                attempts = [measure_once(browser, origin, args.model) for _ in range(args.repeat)]
            finally:
                browser.close()
        for attempt, run in zip(attempts, latest_runs(len(attempts))):
            attempt["run"] = run
    finally:
        if daphne_process:
            common.stop(daphne_process)
        common.stop(fake_process)
    result = {"machine": machine, "command": " ".join(["python", *sys.argv]), "chromium_args": CHROMIUM_ARGS,
              "model": args.model, "attempts": attempts}
    print(f"wrote {common.write_result('browser', result)}")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
