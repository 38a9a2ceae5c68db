"""What the benchmarks share: the Django environment, bench users, and the processes under test.

The benchmarks run the app the way it is deployed (one Daphne process) against a database of their
own on the embedded PostgreSQL in .data/ (or DATABASE_URL) and the fake provider, all on 127.0.0.1,
and measure the server process from outside with psutil.
"""

import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"
API_KEY = "sk-bench-0123456789"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


BENCH_DATABASE = "playground_bench"


def database_url() -> str:
    """DATABASE_URL if set, else a database of the benchmarks' own on the embedded server.

    Its own database, so the write counters of PostgreSQL see only the benchmark (other people's
    dev servers and scripts share the embedded server's default database)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from playground.dbbackend.embedded import ensure_server

    pgdata = ROOT / ".data" / "pgdata"
    ensure_server(pgdata, BENCH_DATABASE)
    return f"postgresql://postgres@{quote(str(pgdata), safe='')}/{BENCH_DATABASE}"


def server_env(debug: bool) -> dict[str, str]:
    """The environment of the bench process and of the Daphne it starts (they must share keys).

    With debug off the app runs as in production, so secrets come from the dev data folder and
    loopback provider URLs are allowed explicitly (the fake provider lives on 127.0.0.1)."""
    data = ROOT / ".data"
    env = {"DJANGO_SETTINGS_MODULE": "playground.settings", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
           "DEBUG": "1" if debug else "0", "DATABASE_URL": database_url(),
           # One bench user starts every stream: lift the per-user run limits for it.
           "RUNS_MAX_CONCURRENT": "100000", "RUNS_PER_MINUTE": "100000"}
    if not debug:
        env.update({
            "SECRET_KEY": _kept(data / "secret_key"), "ENCRYPTION_KEYS": _kept(data / "encryption_key"),
            "ALLOWED_HOSTS": "127.0.0.1", "ALLOW_PRIVATE_PROVIDER_URLS": "1", "SECURE_SSL_REDIRECT": "0",
        })
    return env


def _kept(path: Path) -> str:
    if not path.exists():
        sys.exit(f"{path} is missing: run scripts/run (or any manage.py command with DEBUG=1) once first.")
    return path.read_text().strip()


def setup_django(debug: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url()
    os.environ.update(server_env(debug))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if not debug:
        # Production settings serve hashed static files: the page needs their manifest.
        call_command("collectstatic", verbosity=0, interactive=False)


def bench_member(username: str, provider_url: str, password: str | None = None) -> dict:
    """A user (idempotent) with a personal workspace whose provider "Fake bench" points at `provider_url`."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from playground.teams.access import personal_workspace
    from playground.providers.models import ProviderCredential

    user, _ = get_user_model().objects.get_or_create(username=username)
    if password:
        user.set_password(password)
        user.save()
    workspace = personal_workspace(user)
    provider, _ = ProviderCredential.objects.get_or_create(workspace=workspace, name="Fake bench",
                                                          defaults={"base_url": provider_url})
    provider.kind, provider.base_url = "compatible", provider_url
    provider.set_api_key(API_KEY)
    provider.save()
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return {"user": user, "provider": provider.public_id, "cookie": cookie}


# -- processes ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "ab")
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **env},
                            stdout=log, stderr=subprocess.STDOUT)


def start_fake_provider() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = _start("fakeprovider", ["-m", "playground.fakeprovider", "--port", str(port)], {})
    origin = f"http://127.0.0.1:{port}"
    _wait_until_up(process, f"{origin}/_fake/stats")
    return process, f"{origin}/v1"


def start_daphne(debug: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    args = ["-m", os.environ.get("BENCH_SERVER_MODULE", "playground.server"), "-b", "127.0.0.1", "-p", str(port), "playground.asgi:application"]
    process = _start("daphne", args, server_env(debug))
    origin = f"http://127.0.0.1:{port}"
    _wait_until_up(process, f"{origin}/healthz")
    return process, origin


LITELLM = ROOT / ".data" / "bench" / "litellm"


def peer_model(knobs: str) -> str:
    """The name the peer proxy knows the fake model with `knobs` by.

    LiteLLM's proxy reads a comma in a requested model name as a list of models (a batch request,
    which its streaming hooks then fail on with a 500), so the knobbed name is given in its config."""
    return "fake-bench-" + knobs.replace(",", "_").replace("=", "-")


def start_litellm(provider_url: str, knobs: list[str]) -> tuple[subprocess.Popen, str]:
    """LiteLLM's proxy, one worker, in front of `provider_url`: each of `knobs` as `peer_model(knobs)`,
    every other model name passed through.

    Installed by bench/setup_litellm into its own virtualenv; its base URL ends in /v1."""
    executable = LITELLM / "bin" / "litellm"
    if not executable.exists():
        sys.exit(f"{executable} is missing: run bench/setup_litellm first.")
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    config = LOGS / f"litellm-{port}.yaml"
    aliases = "".join(
        f"  - model_name: {peer_model(each)}\n"
        "    litellm_params:\n"
        f"      model: \"openai/fake-gpt@{each}\"\n"
        f"      api_base: {provider_url}\n"
        f"      api_key: {API_KEY}\n"
        for each in knobs)
    config.write_text(
        "model_list:\n"
        f"{aliases}"
        "  - model_name: \"*\"\n"
        "    litellm_params:\n"
        "      model: \"openai/*\"\n"
        f"      api_base: {provider_url}\n"
        f"      api_key: {API_KEY}\n"
    )
    log = open(LOGS / "litellm.log", "ab")
    # LiteLLM fetches its model price list from the network unless told to use its own copy.
    # It would take DATABASE_URL (ours) for its own database of keys and spend: not given.
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_DOCS": "True", "LITELLM_LOG": "ERROR"})
    process = subprocess.Popen([str(executable), "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
                                "--num_workers", "1"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    _wait_until_up(process, f"{origin}/health/liveliness")
    return process, f"{origin}/v1"


def _wait_until_up(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}; see {LOGS}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{url} did not answer within {STARTUP_TIMEOUT}s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU time of the process and of its children (a proxy's workers)."""
    times = process.cpu_times()
    total = times.user + times.system
    for child in process.children(recursive=True):
        try:
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
        except psutil.NoSuchProcess:
            pass
    return total


# -- the machine -------------------------------------------------------------------------------

def machine() -> dict:
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "speed_us": python_speed(),
    }


def python_speed() -> float:
    """µs of one fixed piece of pure Python (json.dumps of a small dict), best of five. Machines of
    the same type differ from day to day (the same code's read side measured 63 µs per chunk on one
    and 164 on another): CPU figures compare only between results of a similar speed_us."""
    import json as json_module
    import timeit

    data = {"a": [1, 2, 3], "b": "x" * 50}
    timer = timeit.Timer(lambda: json_module.dumps(data))
    return round(min(timer.repeat(repeat=5, number=20_000)) / 20_000 * 1e6, 2)


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def write_section(section: str, text: str) -> None:
    """Replace (or append) only one benchmark's section of docs/BENCHMARKS.md: from its heading
    `section` to the next `## ` heading. `text` starts with that heading."""
    path = ROOT / "docs" / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if section in current:
        before, rest = current.split(section, 1)
        after = rest[rest.find("\n## "):] if "\n## " in rest else ""
        current = before.rstrip("\n") + "\n\n" + text + after
    else:
        current = current.rstrip("\n") + "\n\n" + text
    path.write_text(current)
