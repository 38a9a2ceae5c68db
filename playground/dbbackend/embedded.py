"""Starting and finding the embedded PostgreSQL server (pgserver)."""

import logging
import threading
import warnings
from pathlib import Path

log = logging.getLogger(__name__)
# pgserver logs every pg_ctl call at INFO, including from its atexit hook after logging has shut down.
logging.getLogger("pgserver").setLevel(logging.WARNING)
_lock = threading.Lock()
_started: dict[Path, object] = {}


def ensure_server(pgdata: Path, database: str):
    """Start the embedded server for `pgdata` (once per process) and make sure `database` exists."""
    with _lock:
        if pgdata in _started:
            return _started[pgdata]
        pgdata.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers); harmless here.
            warnings.simplefilter("ignore")
            import pgserver  # imported late: only development setups without DATABASE_URL need it

            server = pgserver.get_server(pgdata, cleanup_mode="stop")
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
            log.info("created embedded database %s in %s", database, pgdata)
        _started[pgdata] = server
        return server
