"""deploy/nginx.conf, run by Debian's nginx in front of Daphne as the Dockerfile starts it: runs stream to
websockets across two processes, and sign-in throttling counts the address nginx saw, not one a client names."""

import contextlib
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from playground.teams.ratelimit import LOGIN_FAILURE_LIMIT
from tests.live import ROOT, free_port
from tests.runs.helpers import body, make_member

from .cluster import DaphneProcess, Socket, sequence_numbers, text_of

pytestmark = pytest.mark.django_db(transaction=True)

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


def shipped_daphne_flags() -> tuple[str, ...]:
    """The options the Dockerfile starts Daphne with, other than where it listens and what it serves."""
    line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ["))
    command = json.loads(line[len("CMD "):])
    assert command[:3] == ["python", "-m", "playground.server"], command  # Daphne on uvloop, as tests/live.py starts it
    command = command[3:-1]
    flags, skip = [], False
    for item in command:
        if skip:
            skip = False
        elif item in ("-b", "-p"):
            skip = True
        else:
            flags.append(item)
    return tuple(flags)


@contextlib.contextmanager
def running_nginx(backends: list[int], folder: Path):
    if not Path(NGINX).exists():
        pytest.skip("nginx is missing: install Debian's (apt-get install nginx-light); scripts/test does")
    port = free_port()
    (folder / "nginx.conf").write_text(config_for_test(port, backends, folder))
    command = [NGINX, "-e", str(folder / "error.log"), "-p", str(folder), "-c", str(folder / "nginx.conf")]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_nginx(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def nginx(process_a, process_b, tmp_path):
    with running_nginx([process_a.port, process_b.port], tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def shipped_app(django_db_setup):
    """One Daphne started as the Dockerfile starts it, configured as docker-compose.yml configures it."""
    with DaphneProcess("proxied", {"TRUSTED_PROXY_COUNT": "1"}, args=shipped_daphne_flags()) as process:
        yield process


@pytest.fixture
def nginx_one(shipped_app, tmp_path):
    """deploy/nginx.conf with both of its upstream slots on the one shipped Daphne: no Redis needed."""
    with running_nginx([shipped_app.port, shipped_app.port], tmp_path) as url:
        yield url


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


@pytest.mark.redis
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


def test_it_hides_metrics_from_the_public(nginx_one):
    assert httpx.get(f"{nginx_one}/metrics", timeout=5).status_code == 404


def client_from(address: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z is this machine's loopback)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def sign_in(client: httpx.Client, url: str, username: str, password: str, forwarded_for: str | None = None) -> httpx.Response:
    form = client.get(f"{url}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(f"{url}/accounts/login/", headers=headers,
                       data={"username": username, "password": password, "csrfmiddlewaretoken": token})


THROTTLED = "Too many failed sign-ins"


def test_it_throttles_password_spraying_from_one_address_whatever_it_forwards(nginx_one, make_user, password):
    make_user("carol")
    with client_from("127.0.0.2") as attacker:
        for guess in range(LOGIN_FAILURE_LIMIT):
            # A new account and a new made-up address each time: only the real address can connect the attempts.
            answer = sign_in(attacker, nginx_one, f"user{guess}", "wrong-password", forwarded_for=f"10.9.8.{guess}")
            assert answer.status_code == 200 and THROTTLED not in answer.text
        answer = sign_in(attacker, nginx_one, "carol", password, forwarded_for="10.9.8.200")
        assert THROTTLED in answer.text
        assert answer.status_code == 200  # the form again, not the redirect of a successful sign-in


def test_it_does_not_let_a_client_lock_out_an_address_it_names(nginx_one, make_user, password):
    victim = make_user("bob")
    with client_from("127.0.0.2") as attacker:
        for guess in range(LOGIN_FAILURE_LIMIT + 1):
            sign_in(attacker, nginx_one, f"user{guess}", "wrong-password", forwarded_for="127.0.0.3")
    with client_from("127.0.0.3") as bob:
        answer = sign_in(bob, nginx_one, victim.username, password)
        assert answer.status_code == 302 and answer.headers["location"] == "/"
