"""Per-user limits on runs: at most RUNS_MAX_CONCURRENT streaming at once and RUNS_PER_MINUTE started
in any minute, counted from the Run table, so every process sees the same numbers.

Scheduled runs (an experiment's cells, see Run.scheduled) are not counted: their scheduler paces
them with limits of its own, and an experiment of hundreds of cells would otherwise lock its
author out of the playground for minutes."""

import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from .models import Run, Status

DEFAULT_MAX_CONCURRENT = 8
DEFAULT_PER_MINUTE = 60


class RunLimitExceeded(PermissionDenied):
    """Starting more runs now would pass a limit. A PermissionDenied, so callers that already
    report those (the page socket) show its message; `retry_after` is in seconds when waiting helps."""

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def check_run_allowed(user, starting: int) -> None:
    """Raise RunLimitExceeded when `user` may not start `starting` more runs right now."""
    max_concurrent = getattr(settings, "RUNS_MAX_CONCURRENT", DEFAULT_MAX_CONCURRENT)
    per_minute = getattr(settings, "RUNS_PER_MINUTE", DEFAULT_PER_MINUTE)
    runs = Run.objects.filter(author=user, scheduled=False)
    minute_ago = timezone.now() - timedelta(minutes=1)
    # Both counts in one query: this runs before every start.
    counts = runs.aggregate(streaming=Count("pk", filter=Q(status=Status.STREAMING)),
                            recent=Count("pk", filter=Q(started_at__gte=minute_ago)))
    streaming = counts["streaming"]
    if streaming + starting > max_concurrent:
        if streaming:
            raise RunLimitExceeded(f"You have {streaming} runs streaming; wait for one to finish.")
        raise RunLimitExceeded(f"You can stream at most {max_concurrent} runs at once; start fewer columns.")
    over = counts["recent"] + starting - per_minute
    if over <= 0:
        return
    if starting > per_minute:
        raise RunLimitExceeded(f"You can start at most {per_minute} runs a minute; start fewer columns.")
    recent = list(runs.filter(started_at__gte=minute_ago).order_by("started_at").values_list("started_at", flat=True))
    over = len(recent) + starting - per_minute
    if over > 0:
        # Waiting helps once the `over` oldest runs of the last minute have left the window.
        frees_at = recent[over - 1] + timedelta(minutes=1)
        wait = max(1, math.ceil((frees_at - timezone.now()).total_seconds()))
        raise RunLimitExceeded(f"Too many runs this minute; try again in {wait} s.", retry_after=wait)
