"""Checkpoints of a process's streaming runs: one statement a second for all of them.

Every CHECKPOINT_INTERVAL the writer takes, from each run of this process still streaming, its
assembled choices when its text changed since the last write, or just a heartbeat when it has not
written for HEARTBEAT_INTERVAL, and stores them all in one UPDATE (store.checkpoint_many): a run
costs the database the same whatever its length, and a process the same statement whatever its
number of runs (one UPDATE per run per second, its connection health check and its thread hop were
a large share of the relay's CPU at a hundred streams).

A write that fails (the database restarting, a broken connection) is not lost: the runs stay due,
the connection is dropped so the next write reconnects, and the writer tries again, waiting longer
each time up to RETRY_MAX. Only runs still `streaming` are written, so a checkpoint never revives a
run another process's sweep marked interrupted.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from django.db import DatabaseError

from . import store
from .models import Status

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL = 1.0
# A run whose text did not change still writes its heartbeat this often (see store.STALE_AFTER).
HEARTBEAT_INTERVAL = 5.0
RETRY_MAX = 5.0

_writer: asyncio.Task | None = None


def ensure_writer(active: dict) -> None:
    """Start this process's writer over `active` ({run id: RunTask}) on the running loop, once."""
    global _writer
    loop = asyncio.get_running_loop()
    if _writer is None or _writer.done() or _writer.get_loop() is not loop:
        _writer = loop.create_task(_write_forever(active), name="run checkpoints")


def due(active: dict, now: float) -> list[tuple[object, list | None]]:
    """(task, choices or None for a heartbeat) of every run of `active` that should be written now."""
    rows = []
    for task in list(active.values()):
        if task.status != Status.STREAMING or task.finished.is_set():
            continue
        if task.dirty:
            task.dirty = False
            rows.append((task, task.assembler.snapshot()))
        elif now - task.last_write >= HEARTBEAT_INTERVAL:
            rows.append((task, None))
    return rows


async def write_due(active: dict) -> int:
    """Write what is due in one statement; return how many runs were written. Raises DatabaseError."""
    now = time.monotonic()
    rows = due(active, now)
    if not rows:
        return 0
    try:
        await database_sync_to_async(store.checkpoint_many)([(task.run_id, choices) for task, choices in rows])
    except DatabaseError:
        for task, choices in rows:
            if choices is not None:
                task.dirty = True  # written with the next attempt
        raise
    for task, _ in rows:
        task.last_write = now
    return len(rows)


async def _write_forever(active: dict) -> None:
    pause = CHECKPOINT_INTERVAL
    while True:
        await asyncio.sleep(pause)
        try:
            await write_due(active)
            pause = CHECKPOINT_INTERVAL
        except DatabaseError as error:
            pause = min(RETRY_MAX, pause * 2)
            log.warning("run checkpoints failed (%s); trying again in %.0f s", error, pause)
            await database_sync_to_async(store.drop_connection)()
        except Exception:  # never let a bug stop the checkpoints of every run of the process
            log.exception("run checkpoints failed")
