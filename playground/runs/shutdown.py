"""A Daphne process's runs at its start and end: the interrupted-run sweep from the start, a graceful
shutdown.

Daphne runs Twisted's reactor, whose own SIGTERM/SIGINT handlers stop the reactor; a "before
shutdown" trigger may return a Deferred that the reactor waits for. Ours refuses new runs from
then on, gives the runs of this process SHUTDOWN_GRACE seconds to finish, then stores the rest as
`interrupted` with their text. (Daphne's own trigger stops serving this process's open sockets
at the same moment; the runs go on, and watchers on other processes keep receiving their frames.)
"""

import asyncio
import logging
import sys

from django.conf import settings

from playground.providers.errors import ProviderError

from .models import Status
from .service import RunRejected, ensure_sweeper
from .task import ACTIVE

log = logging.getLogger(__name__)

SHUTDOWN_MESSAGE = "This server is restarting and takes no new runs. Try again in a moment."
INTERRUPTED_MESSAGE = "The server restarted while this run was streaming. The text received until then is kept."
# After interrupting, how long to wait for the runs to store themselves before the process exits.
FINISH_PATIENCE = 10.0

_installed = False
_draining = False


def install() -> None:
    """Hook into the reactor of a Daphne process (called once from RunsConfig.ready)."""
    global _installed
    # daphne.server installs Twisted's asyncio reactor (the daphne app imports it in every
    # process); without it, importing the reactor here would install the wrong one. In processes
    # whose reactor never runs (manage.py commands, pytest) these hooks simply never fire.
    if _installed or "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor

    _installed = True
    # Startup triggers fire before the asyncio loop runs: defer to the loop's first turn.
    reactor.callWhenRunning(lambda: reactor.callLater(0, _on_start))
    reactor.addSystemEventTrigger("before", "shutdown", _on_shutdown)


def is_draining() -> bool:
    """Whether this process is shutting down (schedulers stop starting runs then)."""
    return _draining


def refuse_runs_when_draining() -> None:
    """Called by the socket before run.start: raises RunRejected once shutdown has begun."""
    if _draining:
        raise RunRejected(SHUTDOWN_MESSAGE)


def _on_start() -> None:
    ensure_sweeper()


def _on_shutdown():
    from twisted.internet import defer

    global _draining
    _draining = True
    return defer.Deferred.fromFuture(asyncio.get_running_loop().create_task(drain(settings.SHUTDOWN_GRACE)))


async def drain(grace: float) -> None:
    """Let this process's runs finish for up to `grace` seconds, then interrupt and store the rest."""
    running = [task for task in ACTIVE.values() if not task.finished.is_set()]
    if running:
        log.info("shutting down: waiting up to %ss for %d streaming run(s)", grace, len(running))
        await _wait_finished(running, grace)
        leftover = [task for task in running if not task.finished.is_set()]
        for task in leftover:
            interrupt(task)
            log.warning("run %s interrupted by shutdown", task.run_id, extra={"run_id": task.run_id})
        await _wait_finished(leftover, FINISH_PATIENCE)
    await _cancel_other_tasks()


def interrupt(task) -> None:
    """Stop a run's upstream stream; the task then stores it `interrupted`, with its text, and says why."""
    task.cancel()
    # Set after cancel(), which marks the run cancelled: the reader only sees the cancellation
    # at its next await, by which time the status below is what the task stores.
    task.status = Status.INTERRUPTED
    task.error = ProviderError("stream_error", INTERRUPTED_MESSAGE, hint="Run it again.")


async def _wait_finished(tasks: list, timeout: float) -> None:
    if tasks and timeout > 0:
        await asyncio.wait([asyncio.create_task(task.finished.wait()) for task in tasks], timeout=timeout)


async def _cancel_other_tasks() -> None:
    """End what is still pending (finished runs lingering for late attaches, the sweeper, their
    channel reads) before the loop stops: CPython 3.11 can crash collecting tasks left pending."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=FINISH_PATIENCE)
