"""Database and Redis servers a fault test can stop and start: its own, on free ports, never a shared one.

PostgreSQL comes from the binaries of the embedded server's wheel (pgserver), so this works wherever
the suite runs, CI included, with or without a system PostgreSQL. PostgreSQL refuses to run as root;
as root (containers, CI) it runs as pgserver's own system user, as the embedded server does.
"""

import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.live import free_port

SERVER_USER = "pgserver"


def _postgres_bin() -> Path:
    spec = importlib.util.find_spec("pgserver")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


class DedicatedPostgres:
    """`with DedicatedPostgres() as pg:` a fresh cluster on 127.0.0.1:<free port>; `pg.stop()`/`pg.start()`."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="pg-fault-", dir="/tmp"))
        self.data = self.folder / "data"
        self.user = SERVER_USER if os.geteuid() == 0 else None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self):
        if self.user:
            from pgserver.utils import ensure_user_exists

            ensure_user_exists(self.user)
            shutil.chown(self.folder, self.user, self.user)
        self.folder.chmod(0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=utf8", "--no-sync")
        self.start()
        return self

    def __exit__(self, *exc):
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def start(self):
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.folder / "log"), "-o", options, "start")

    def stop(self):
        """A fast shutdown, as `pg_ctl restart -m fast` begins: every connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "fast", "stop")

    def query(self, sql: str, params=()):
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def _run(self, program: str, *args: str, check: bool = True):
        return subprocess.run([str(self.bin / program), *args], user=self.user, check=check, timeout=60,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.folder)


class DedicatedRedis:
    """`with DedicatedRedis() as redis:` a redis-server of its own on a free port; `redis.restart()`."""

    def __init__(self):
        self.program = shutil.which("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        command = [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self):
        """Gone at once, like a crashed or restarted Redis: what it held (queued messages) is lost."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False
