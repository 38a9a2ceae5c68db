"""Sign-in throttling: LOGIN_FAILURE_LIMIT failed attempts for one username or from one address within
LOGIN_WINDOW lock that username or address out for LOGIN_WINDOW. Counted in Django's cache, so
several server processes need a shared cache (Redis) to share the count.
"""

import hashlib
import math
import time

from django.core.cache import cache

LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW = 15 * 60


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
