"""Prometheus metrics of this process, fed by one-line hooks in playground/runs.

Each Daphne process counts its own runs: Prometheus scrapes every replica and sums them
(`sum(rate(playground_runs_finished_total[5m])) by (status)`). Runs are counted by the process
whose task relays them; a process killed mid-run never counts its end (the sweep of another
process marks it interrupted in the database, not here).
"""

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

# Latency buckets in seconds: first tokens take 0.1-10 s; relaying a frame takes milliseconds.
FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)
RELAY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

runs_started = Counter("playground_runs_started", "Runs started by this process.")
runs_finished = Counter("playground_runs_finished", "Runs this process finished, by final status.", ["status"])
active_streams = Gauge("playground_active_streams", "Runs this process is streaming now.")
time_to_first_token = Histogram(
    "playground_time_to_first_token_seconds", "From a run's start to its first content from the provider.",
    buckets=FIRST_TOKEN_BUCKETS,
)
relay_delay = Histogram(
    "playground_relay_delay_seconds",
    "From a provider chunk's arrival to the frame that carries it being handed to its watchers "
    "(oldest chunk of the frame).",
    buckets=RELAY_BUCKETS,
)
provider_errors = Counter(
    "playground_provider_errors",
    "Failed provider calls (retried or final), by HTTP status ('none' without one) and kind.",
    ["status", "kind"],
)

def run_started(task) -> None:
    runs_started.inc()


def frame_relayed(delay: float) -> None:
    """A run.delta frame reached its watchers `delay` seconds after the oldest news it carries arrived."""
    relay_delay.observe(max(0.0, delay))


def provider_error(error) -> None:
    provider_errors.labels(status=str(error.status or "none"), kind=error.kind).inc()


def run_finished(task) -> None:
    runs_finished.labels(status=str(task.status)).inc()
    if task.first_token is not None:
        time_to_first_token.observe(task.first_token - task.started)
    if task.status == "failed" and task.error is not None:
        provider_error(task.error)


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
