"""deploy/nginx.conf, run by Debian's nginx in front of two Daphne processes, streams runs to websockets."""

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.live import ROOT, free_port
from tests.runs.helpers import body, make_member

from .cluster import Socket, sequence_numbers, text_of

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_CONF = ROOT / "deploy" / "nginx.conf"


def config_for_test(port: int, backends: list[int], folder: Path) -> str:
    """The playground part of deploy/nginx.conf with this machine's ports, in a config that keeps
    every file nginx writes inside `folder` and runs in the foreground."""
    deployed = DEPLOY_CONF.read_text()
    playground = deployed[deployed.index("# BEGIN playground"):deployed.index("# END playground")]
    upstreams = iter(backends)
    playground = re.sub(r"server app\d+:8000", lambda _: f"server 127.0.0.1:{next(upstreams)}", playground)
    assert next(upstreams, None) is None, "deploy/nginx.conf should list exactly the two replicas"
    playground = playground.replace("listen 80;", f"listen 127.0.0.1:{port};")
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp_paths = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in kinds)
    return f"""daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
{temp_paths}
{playground}
}}
"""


@pytest.fixture
def nginx(process_a, process_b, tmp_path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is missing: install Debian's (apt-get install nginx-light); scripts/test does")
    port = free_port()
    (tmp_path / "nginx.conf").write_text(config_for_test(port, [process_a.port, process_b.port], tmp_path))
    command = [NGINX, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_nginx(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def wait_for_nginx(url: str, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {process.stderr.read().decode()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("nginx did not answer in time")


async def test_it_streams_a_run_through_the_load_balancer(nginx, fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    # Two connections: nginx sends them to different replicas (round robin), and both see the run.
    starter = await Socket.open(nginx, cookie)
    run_id = await starter.start(provider, body(model="fake-gpt@delay=30,tokens=80"))
    watcher = await Socket.open(nginx, cookie)
    await watcher.send({"type": "run.attach", "run": run_id})

    for frames in (await starter.frames_until_end(), await watcher.frames_until_end()):
        assert sequence_numbers(frames) == list(range(len(frames)))
        assert frames[-1]["type"] == "run.finished" and frames[-1]["status"] == "completed"
        assert len(text_of(frames)) > 0
    await starter.close()
    await watcher.close()


def test_it_hides_metrics_from_the_public(nginx):
    assert httpx.get(f"{nginx}/metrics", timeout=5).status_code == 404
