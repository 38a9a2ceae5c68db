"""History benchmark: is the sessions sidebar fast with 10,000 sessions in one workspace?

    .venv/bin/python bench/history.py [--sessions 10000] [--repeat 20]

Fills one bench workspace (user `bench-history`, idempotent: only the missing sessions are made)
with sessions of one to three runs each (bulk_create), indexes them for search the way finished runs
do (conversations.search.reindex), then times the history views with Django's test Client in this
process: the time inside the server (middleware, view, queries, template), no network. Median and
max of `--repeat` requests after two warm-up requests. Writes bench/results/history.json and its
own section ("History and search") of docs/BENCHMARKS.md, leaving the rest of that file alone.
"""

import argparse
import random
import statistics
import time

import common

USERNAME = "bench-history"
SECTION = "## History and search"
BATCH = 1000
# Words sprinkled into answers so that searches match few sessions (rare) or many (common).
RARE_WORD, RARE_EVERY = "kingfisher", 100
COMMON_WORD, COMMON_EVERY = "river", 3
TARGET_MS = 100.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    return parser.parse_args()


def words(rng: random.Random, count: int) -> str:
    syllables = ["ka", "lo", "mi", "ten", "dar", "vo", "sel", "pri", "un", "gor", "na", "res", "ti", "bal", "quo"]
    return " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(count))


def run_rows(conversation, number: int, rng: random.Random, models: list[str]):
    from playground.runs.models import Run

    rows, history, parent = [], [], None
    for turn in range(1 + number % 3):
        prompt = f"Question {number}.{turn}: {words(rng, 12)}"
        answer = words(rng, 60)
        if number % RARE_EVERY == 0:
            answer += f" The {RARE_WORD} waits."
        if number % COMMON_EVERY == 0:
            answer += f" A {COMMON_WORD} runs by."
        messages = [*history, {"role": "user", "content": prompt}]
        model = models[number % len(models)]
        rows.append(Run(conversation=conversation, author=conversation.author, provider_name="Fake bench", model=model,
                        request={"model": model, "messages": messages, "stream": True, "temperature": 0.7},
                        status="completed" if number % 17 else "failed",
                        choices=[{"index": 0, "content": answer, "finish_reason": "stop"}],
                        usage={"prompt_tokens": 40, "completion_tokens": 60, "total_tokens": 100},
                        chunk_times=[0.1 * i for i in range(1, 30)], time_to_first_token=0.1, total_time=3.0,
                        output_tokens=60, tokens_per_second=20.0))
        history = [*messages, {"role": "assistant", "content": answer}]
    return rows


def fill(user, workspace, wanted: int) -> float:
    """Make the missing sessions with their runs and index them; return the seconds it took."""
    from playground.conversations.models import Conversation, Visibility
    from playground.conversations.search import reindex
    from playground.runs.models import Run

    have = Conversation.objects.filter(workspace=workspace).count()
    started = time.monotonic()
    rng = random.Random(have)
    models = ["gpt-4o", "gpt-4o-mini", "o3", "llama-3.1-8b"]
    for first in range(have, wanted, BATCH):
        numbers = range(first, min(first + BATCH, wanted))
        sessions = Conversation.objects.bulk_create([
            Conversation(workspace=workspace, author=user, title=f"Session {n}: {words(rng, 4)}",
                         visibility=Visibility.WORKSPACE if n % 2 else Visibility.PRIVATE, pinned=n % 1000 == 0,
                         tags=["bench", "odd" if n % 2 else "even"])
            for n in numbers
        ])
        Run.objects.bulk_create([run for n, session in zip(numbers, sessions) for run in run_rows(session, n, rng, models)])
        for session in sessions:
            reindex(session.pk)
        print(f"  {first + len(numbers)} sessions", flush=True)
    return time.monotonic() - started


def timed(client, url: str, params: dict, repeat: int) -> dict:
    for _ in range(2):
        client.get(url, params)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    items = response.content.decode().count('class="session-item')
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1), "items": items}


def measure(user, repeat: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    client = Client(HTTP_HOST="127.0.0.1")  # outside tests, ALLOWED_HOSTS has no "testserver"
    client.force_login(user)
    history, sidebar = reverse("conversations:history"), reverse("conversations:sidebar")
    cases = {
        "sidebar, first page (the page load)": (sidebar, {}),
        "history, page 2": (history, {"page": 2}),
        "history, page 100": (history, {"page": 100}),
        f"search, rare word ({RARE_WORD}, 1 in {RARE_EVERY})": (history, {"q": RARE_WORD}),
        f"search, common word ({COMMON_WORD}, 1 in {COMMON_EVERY})": (history, {"q": COMMON_WORD}),
        "search + model filter": (history, {"q": COMMON_WORD, "run_model": "o3"}),
        "filter: status failed": (history, {"run_status": "failed"}),
        "filter: tag": (history, {"tag": "odd"}),
    }
    return {name: timed(client, url, params, repeat) for name, (url, params) in cases.items()}


def section(result: dict) -> str:
    lines = [
        SECTION, "",
        f"`bench/history.py`, {result['machine']['date']}, {result['machine']['nproc']} cores, Python {result['machine']['python']}: "
        f"one workspace with {result['sessions']:,} sessions ({result['runs']:,} runs), server time per request "
        f"(Django test Client in-process: middleware, view, queries, template; no network), median and max of {result['repeat']}.",
        "Search is PostgreSQL full-text (`websearch_to_tsquery`) on `Conversation.search_vector` with a GIN index; "
        "the list uses the partial index `conversation_history` (workspace, pinned, updated_at).", "",
        f"| request | median ms | max ms | sessions shown | under {TARGET_MS:.0f} ms |", "| --- | --- | --- | --- | --- |",
    ]
    for name, numbers in result["cases"].items():
        verdict = "yes" if numbers["median_ms"] < TARGET_MS else "**no**"
        lines.append(f"| {name} | {numbers['median_ms']} | {numbers['max_ms']} | {numbers['items']} | {verdict} |")
    return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    common.setup_django(debug=True)
    from django.contrib.auth import get_user_model

    from playground.runs.models import Run
    from playground.teams.access import personal_workspace

    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    workspace = personal_workspace(user)
    print(f"filling {workspace} up to {args.sessions} sessions", flush=True)
    fill_seconds = fill(user, workspace, args.sessions)
    result = {
        "machine": common.machine(),
        "sessions": workspace.conversations.count(),
        "runs": Run.objects.filter(conversation__workspace=workspace).count(),
        "fill_seconds": round(fill_seconds, 1),
        "repeat": args.repeat,
        "cases": measure(user, args.repeat),
    }
    print(common.write_result("history", result))
    common.write_section(SECTION, section(result))
    for name, numbers in result["cases"].items():
        print(f"{name}: median {numbers['median_ms']} ms, max {numbers['max_ms']} ms, {numbers['items']} shown")


if __name__ == "__main__":
    main()
