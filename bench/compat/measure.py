"""Run the capability probe against the fake provider and each installed real server, and keep
each report as bench/compat/results/<server>.json (then `bench/compat/render.py` writes
docs/COMPATIBILITY.md from them).

    .venv/bin/python bench/compat/measure.py                  # every installed server
    .venv/bin/python bench/compat/measure.py llama-server fake
"""

import asyncio
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")

import django  # noqa: E402

django.setup()

from bench.compat.servers import MODEL, SERVERS, running, version_of  # noqa: E402
from playground.fakeprovider.server import FakeProvider  # noqa: E402
from playground.providers.client import close_client  # noqa: E402
from playground.providers.config import ProviderConfig  # noqa: E402
from playground.providers.probe import probe  # noqa: E402

RESULTS = ROOT / "bench" / "compat" / "results"
FAKE_MODEL = "fake-gpt"


async def _probe(name: str, base_url: str, model: str) -> dict:
    try:
        report = await probe(ProviderConfig(name, "compatible", base_url, "sk-compat-probe"), model)
    finally:
        await close_client()
    return report.as_dict()


def measure(name: str) -> dict:
    """The probe's report on one server, with what was measured."""
    if name == "fake":
        fake = FakeProvider()
        try:
            report = asyncio.run(_probe("fake provider", fake.start(), FAKE_MODEL))
        finally:
            fake.stop()
        server = {"name": "fake", "title": "fake provider (playground/fakeprovider)", "version": "this repository"}
    else:
        with running(name) as base_url:
            report = asyncio.run(_probe(SERVERS[name].title, base_url, MODEL))
        server = {"name": name, "title": SERVERS[name].title, "version": version_of(name),
                  "model": "Gemma 3 270M Q4_K_M (gemma-3-270m-q4_k_m.gguf)"}
    server["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    return {"server": server, "report": report}


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


def main(names: list[str]) -> None:
    names = names or ["fake", *(name for name, server in SERVERS.items() if server.installed())]
    for name in names:
        if name != "fake" and not SERVERS[name].installed():
            print(f"skipped {name}: {SERVERS[name].missing_reason()}")
            continue
        print(f"probing {name} …", flush=True)
        result = measure(name)
        path = save(name, result)
        verdicts = ", ".join(f"{f['key']}={f['verdict']}" for f in result["report"]["findings"])
        print(f"  {path.relative_to(ROOT)}: {verdicts}")


if __name__ == "__main__":
    main(sys.argv[1:])
