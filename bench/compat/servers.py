"""The real servers docs/COMPATIBILITY.md is measured against, started on free localhost ports.

`bench/compat/setup` installs them into COMPAT_DIR; `running(name)` starts one (and what it sits
in front of), waits until it answers, yields its base URL, and stops it. Each serves Gemma 3 270M
under the model name MODEL.
"""

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

COMPAT_DIR = Path(os.environ.get("PLAYGROUND_COMPAT_DIR") or Path.home() / ".cache" / "playground-compat")
MODEL_FILE = COMPAT_DIR / "models" / "gemma-3-270m-q4_k_m.gguf"
MODEL = "gemma-3-270m"
CONTEXT_TOKENS = 2048
# llama-cpp-python's chat format, as `manage.py localmodel` starts it (playground/ops/localmodel.py).
LLAMA_CPP_PYTHON_CHAT_FORMAT = "alpaca"
STARTUP_SECONDS = 180
LOGS = Path(tempfile.gettempdir()) / "playground-compat-logs"


@dataclass(frozen=True)
class Server:
    name: str  # the column of docs/COMPATIBILITY.md and the results file's name
    title: str
    executable: Path
    setup_step: str  # what to run to install it

    def installed(self) -> bool:
        return self.executable.exists() and MODEL_FILE.exists()

    def missing_reason(self) -> str:
        return f"{self.title} is not installed (bench/compat/setup {self.setup_step})"


SERVERS = {
    "llama-cpp-python": Server("llama-cpp-python", "llama-cpp-python's server",
                               COMPAT_DIR / "llama-cpp-python" / "bin" / "python", "llama-cpp-python"),
    "llama-server": Server("llama-server", "llama.cpp's llama-server",
                           COMPAT_DIR / "llama-server" / "bin" / "llama-server", "llama-server"),
    "litellm": Server("litellm", "LiteLLM's proxy in front of llama-cpp-python",
                      COMPAT_DIR / "litellm" / "bin" / "litellm", "litellm"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def version_of(name: str) -> str:
    """The installed version, for the results file."""
    if name == "llama-cpp-python":
        return _pip_version(COMPAT_DIR / "llama-cpp-python", "llama_cpp_python")
    if name == "litellm":
        return _pip_version(COMPAT_DIR / "litellm", "litellm")
    done = COMPAT_DIR / "llama-server" / "version"
    return done.read_text().strip() if done.exists() else "unknown"


@contextlib.contextmanager
def running(name: str) -> Iterator[str]:
    """Start the server `name` (with llama-cpp-python behind LiteLLM); yield its base URL."""
    if name == "litellm":
        with running("llama-cpp-python") as upstream, _started("litellm", _litellm_command(upstream)) as url:
            yield url
        return
    command = _llama_cpp_python_command if name == "llama-cpp-python" else _llama_server_command
    with _started(name, command) as url:
        yield url


def _llama_cpp_python_command(port: int) -> list[str]:
    return [str(SERVERS["llama-cpp-python"].executable), "-m", "llama_cpp.server", "--model", str(MODEL_FILE),
            "--model_alias", MODEL, "--host", "127.0.0.1", "--port", str(port),
            "--chat_format", LLAMA_CPP_PYTHON_CHAT_FORMAT, "--n_ctx", str(CONTEXT_TOKENS),
            "--logits_all", "true", "--verbose", "false"]


def _llama_server_command(port: int) -> list[str]:
    # --jinja: the model's own chat template through llama.cpp's template engine, which is how
    # llama-server parses tool calls.
    return [str(SERVERS["llama-server"].executable), "--model", str(MODEL_FILE), "--alias", MODEL,
            "--host", "127.0.0.1", "--port", str(port), "--ctx-size", str(CONTEXT_TOKENS), "--jinja",
            "--threads", str(min(os.cpu_count() or 2, 4))]


def _litellm_command(upstream: str):
    def command(port: int) -> list[str]:
        LOGS.mkdir(parents=True, exist_ok=True)
        config = LOGS / f"litellm-{port}.yaml"
        # LiteLLM's defaults, on purpose: its own retries are part of what is measured.
        config.write_text(
            "model_list:\n"
            f"  - model_name: {MODEL}\n"
            "    litellm_params:\n"
            f"      model: openai/{MODEL}\n"
            f"      api_base: {upstream}\n"
            "      api_key: none\n"
        )
        return [str(SERVERS["litellm"].executable), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]

    return command


@contextlib.contextmanager
def _started(name: str, command) -> Iterator[str]:
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log_path = LOGS / f"{name}-{port}.log"
    # LiteLLM phones home for its model price list unless told to use the local copy, and takes
    # DATABASE_URL (the playground's, in tests) for a database of its own.
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", NO_DOCS="True")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command(port), stdout=log, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_ready(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_ready(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log_path}")
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS} s; see {log_path}")


def _pip_version(venv: Path, distribution: str) -> str:
    found = sorted(venv.glob(f"lib/python*/site-packages/{distribution}-*.dist-info"))
    return found[-1].name.removeprefix(f"{distribution}-").removesuffix(".dist-info") if found else "unknown"
