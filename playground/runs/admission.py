"""Whether this process takes another run: past its capacity, new runs are refused ("busy, try
again") so that the runs it relays stay live, rather than every stream slowing down together.

Two signals. The number of runs streaming in this process, against RUNS_PER_PROCESS (set it from
the relay benchmark: about twice the streams one process relays with a p99 delay under 100 ms).
And the event loop's lateness: a sampler sleeps LAG_SAMPLE seconds again and again and measures
how late it wakes; when the smoothed lateness passes RUNS_BUSY_LAG the process is behind whatever
the count says (fast providers, many choices, a slow machine), and waits to take more until it
catches up. Other processes (behind the load balancer) are the way to serve more.
"""

import asyncio
import math
import threading
import time
from collections import deque

from django.conf import settings

# How often the loop's lateness is sampled, and how much each sample moves the smoothed value
# (with 0.2 at 10 samples a second, a lag must last about half a second to count).
LAG_SAMPLE = 0.1
LAG_WEIGHT = 0.2
BUSY_MESSAGE = "The server is busy relaying other runs. Try again in a few seconds."
RETRY_AFTER = 5

# A start admitted but not yet streaming is counted too: a burst of run.start messages is checked
# (in database threads) well before the first of their tasks begins, and each would otherwise see
# the same count. A reservation ends when a run task starts, or after RESERVATION_SECONDS (a start
# that failed validation or storing after it was admitted).
RESERVATION_SECONDS = 10.0

streaming = 0  # runs of this process not finished yet (counted by RunTask)
_reserved: deque[float] = deque()  # when each admitted, not yet started run was admitted
_lock = threading.Lock()  # check() runs in database threads, run_started() on the event loop
lag = 0.0  # smoothed lateness of this process's event loop, in seconds
_sampler: asyncio.Task | None = None


class Busy(Exception):
    """This process takes no more runs now; `retry_after` seconds is a fair wait."""

    def __init__(self, message: str = BUSY_MESSAGE, retry_after: int = RETRY_AFTER):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def check(starting: int) -> None:
    """Raise Busy when this process should not start `starting` more runs now; else count them as
    starting until their tasks start."""
    with _lock:
        now = time.monotonic()
        while _reserved and _reserved[0] < now - RESERVATION_SECONDS:
            _reserved.popleft()
        if streaming + len(_reserved) + starting > settings.RUNS_PER_PROCESS or lag > settings.RUNS_BUSY_LAG:
            raise Busy(retry_after=max(RETRY_AFTER, math.ceil(lag)))
        _reserved.extend([now] * starting)


def room() -> int:
    """How many more runs this process takes now, without admitting any; raise Busy at none (or
    while the loop runs late). For a scheduler that starts what fits and reserves it (reserve)."""
    with _lock:
        free = settings.RUNS_PER_PROCESS - streaming - len(_reserved)
    if free <= 0 or lag > settings.RUNS_BUSY_LAG:
        raise Busy(retry_after=max(RETRY_AFTER, math.ceil(lag)))
    return free


def reserve(starting: int) -> None:
    """Count `starting` runs a scheduler is about to start (after room() said they fit)."""
    with _lock:
        _reserved.extend([time.monotonic()] * starting)


def run_started() -> None:
    global streaming
    with _lock:
        streaming += 1
        if _reserved:
            _reserved.popleft()


def run_ended() -> None:
    global streaming
    with _lock:
        streaming = max(0, streaming - 1)


def ensure_sampler() -> None:
    """Start sampling the running loop's lateness (once per process; again if the loop changed)."""
    global _sampler
    if _sampler is None or _sampler.done() or _sampler.get_loop() is not asyncio.get_running_loop():
        _sampler = asyncio.get_running_loop().create_task(_sample_forever(), name="loop lag sampler")


async def _sample_forever() -> None:
    global lag
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(LAG_SAMPLE)
        late = max(0.0, loop.time() - before - LAG_SAMPLE)
        lag += LAG_WEIGHT * (late - lag)
