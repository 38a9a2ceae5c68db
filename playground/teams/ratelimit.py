"""Per-user limits on runs, and sign-in throttling.

Runs: at most RUNS_MAX_CONCURRENT streaming at once and RUNS_PER_MINUTE started in any minute,
counted from the Run table, so every process sees the same numbers.

Sign-in: LOGIN_FAILURE_LIMIT failed attempts for one username or from one address within
LOGIN_WINDOW lock that username or address out for LOGIN_WINDOW. Counted in Django's cache, so
several server processes need a shared cache (Redis) to share the count.
"""

import hashlib
import math
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

DEFAULT_MAX_CONCURRENT = 8
DEFAULT_PER_MINUTE = 60
LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW = 15 * 60


class RunLimitExceeded(PermissionDenied):
    """Starting more runs now would pass a limit. A PermissionDenied, so callers that already
    report those (the page socket) show its message; `retry_after` is in seconds when waiting helps."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def check_run_allowed(user, starting: int) -> None:
    """Raise RunLimitExceeded when `user` may not start `starting` more runs right now."""
    from playground.runs.models import Run, Status

    max_concurrent = getattr(settings, "RUNS_MAX_CONCURRENT", DEFAULT_MAX_CONCURRENT)
    per_minute = getattr(settings, "RUNS_PER_MINUTE", DEFAULT_PER_MINUTE)
    runs = Run.objects.filter(author=user)
    streaming = runs.filter(status=Status.STREAMING).count()
    if streaming + starting > max_concurrent:
        if streaming:
            raise RunLimitExceeded(f"You have {streaming} runs streaming; wait for one to finish.")
        raise RunLimitExceeded(f"You can stream at most {max_concurrent} runs at once; start fewer columns.")
    minute_ago = timezone.now() - timedelta(minutes=1)
    recent = list(runs.filter(started_at__gte=minute_ago).order_by("started_at").values_list("started_at", flat=True))
    over = len(recent) + starting - per_minute
    if over > 0:
        if starting > per_minute:
            raise RunLimitExceeded(f"You can start at most {per_minute} runs a minute; start fewer columns.")
        # Waiting helps once the `over` oldest runs of the last minute have left the window.
        frees_at = recent[over - 1] + timedelta(minutes=1)
        wait = max(1, math.ceil((frees_at - timezone.now()).total_seconds()))
        raise RunLimitExceeded(f"Too many runs this minute; try again in {wait} s.", retry_after=wait)


# Sign-in throttling


def login_lock_remaining(username: str, address: str) -> int:
    """Seconds until sign-in is allowed again for this username or address (0: allowed now)."""
    now = time.time()
    until = max((cache.get(_lock_key(subject)) or 0) for subject in _subjects(username, address))
    return max(0, math.ceil(until - now))


def record_login_failure(username: str, address: str) -> None:
    for subject in _subjects(username, address):
        key = _count_key(subject)
        # add() starts the window at the first failure; incr() keeps its expiry.
        cache.add(key, 0, LOGIN_WINDOW)
        try:
            failures = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, failures := 1, LOGIN_WINDOW)
        if failures >= LOGIN_FAILURE_LIMIT:
            cache.set(_lock_key(subject), time.time() + LOGIN_WINDOW, LOGIN_WINDOW)
            cache.delete(key)


def record_login_success(username: str) -> None:
    # Only the username's count is forgiven: an address's count must not be reset by someone
    # signing in to their own account between guesses at another one.
    cache.delete(_count_key(_subjects(username, "")[0]))


def _subjects(username: str, address: str) -> list[str]:
    subjects = [f"user:{(username or '').strip().lower()}"]
    if address:
        subjects.append(f"ip:{address}")
    return subjects


def _count_key(subject: str) -> str:
    return f"login-failures:{_digest(subject)}"


def _lock_key(subject: str) -> str:
    return f"login-locked:{_digest(subject)}"


def _digest(subject: str) -> str:
    # Usernames may hold characters some cache backends refuse in keys.
    return hashlib.sha256(subject.encode()).hexdigest()
