"""The fake provider started from the command line: `python -m` and the management command."""

import select
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakeprovider.helpers import API_KEY, TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {
    "module": [sys.executable, "-m", "playground.fakeprovider", "--port", "0"],
    "management command": [sys.executable, "-m", "django", "fakeprovider", "--port", "0",
                           "--settings", "tests.fakeprovider.command_settings"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_it_starts_a_server_that_lists_models(command):
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base_url = _announced_base_url(process)
        response = httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=TIMEOUT)
    finally:
        process.terminate()
        process.wait(timeout=10)

    assert base_url.startswith("http://127.0.0.1:")
    assert response.json()["data"][0]["id"] == "fake-gpt"


def _announced_base_url(process: subprocess.Popen) -> str:
    ready, _, _ = select.select([process.stdout], [], [], 20)
    line = process.stdout.readline() if ready else ""
    assert "listening on" in line, f"no announcement; stderr: {process.stderr.read() if process.poll() else ''}"
    return line.rsplit(" ", 1)[-1].strip()
