"""The experiment part of the page socket: watch an experiment (its events: cells changing state,
their new text, progress), run cells, stop all.

Mixed into the page consumer beside runs' RunSocketMixin: a cell opened in full follows its run
with run.attach like any run.
"""

import asyncio
import time

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied
from django.http import Http404

from playground.runs import shutdown

from . import cells, protocol, scheduler
from .access import get_experiment_for
from .models import Cell, CellState

MAX_WATCHED_ROWS = 500
SCOPES = ("unfinished", "all", "failed")
# A watching socket checks its access again at most this often (events come many a second).
RECHECK_INTERVAL = 5.0
# An experiment still running that says nothing for this long may have lost its last events:
# the socket reads its progress from the database and, if it moved, tells the page to resync.
SILENCE_LIMIT = 5.0
# channels-redis orders messages sent within the same instant by chance, not by sending order: an
# event that comes before the one due is held this long for the missing ones before the page is
# told it lost events.
REORDER_WAIT = 0.5


@database_sync_to_async
def _watch_state(experiment, rows: set[str]) -> tuple[dict, list[dict]]:
    chosen = Cell.objects.filter(experiment=experiment, row__public_id__in=rows).exclude(state=CellState.IDLE)
    listed = [{"cell": cell_id, "state": state, "run": run}
              for cell_id, state, run in chosen.values_list("public_id", "state", "run__public_id")]
    return cells.progress(experiment.public_id), listed


class ExperimentSocketMixin:
    """Needs the page consumer's `answering` (RunSocketMixin)."""

    def init_experiments(self):
        self.watching: dict[str, set[str]] = {}
        self.checked_at: dict[str, float] = {}
        self.numbered: dict[str, tuple[str, int]] = {}  # experiment → (epoch, next seq expected)
        self.held: dict[str, dict[int, dict]] = {}  # experiment → events that came early, by seq
        self.heard_at: dict[str, float] = {}
        self.last_progress: dict[str, dict] = {}
        self.experiment_watchdog: asyncio.Task | None = None

    async def close_experiments(self):
        if self.experiment_watchdog is not None:
            self.experiment_watchdog.cancel()
        for experiment_id in list(self.watching):
            await self.channel_layer.group_discard(protocol.group(experiment_id), self.channel_name)
        self.watching.clear()

    async def handle_experiment_message(self, content: dict) -> None:
        action = {protocol.WATCH: self._watch_experiment, protocol.RUN: self._run_experiment,
                  protocol.STOP: self._stop_experiment}[content["type"]]
        await self.answering(content, lambda: action(content))

    async def _experiment(self, content: dict, *, write: bool = False):
        return await database_sync_to_async(get_experiment_for)(self.scope["user"], str(content.get("experiment", "")), write=write)

    async def _watch_experiment(self, content: dict):
        experiment = await self._experiment(content)
        rows = content.get("rows") if isinstance(content.get("rows"), list) else []
        rows = {str(row) for row in rows[:MAX_WATCHED_ROWS]}
        if experiment.public_id not in self.watching:
            await self.channel_layer.group_add(protocol.group(experiment.public_id), self.channel_name)
        self.watching[experiment.public_id] = rows
        self.checked_at[experiment.public_id] = self.heard_at[experiment.public_id] = time.monotonic()
        self.numbered.pop(experiment.public_id, None)
        progress, listed = await _watch_state(experiment, rows)
        self.last_progress[experiment.public_id] = progress
        if self.experiment_watchdog is None or self.experiment_watchdog.done():
            self.experiment_watchdog = asyncio.create_task(self._watch_silence())
        await self.send_json(protocol.state(content.get("ref"), experiment.public_id, progress, listed))
        # A driver that died with this experiment half run is replaced now, not at the next sweep.
        if progress["active"]:
            scheduler.ensure_sweeper()

    async def _run_experiment(self, content: dict):
        experiment = await self._experiment(content, write=True)
        shutdown.refuse_runs_when_draining()
        scope = content.get("scope") if content.get("scope") in SCOPES else "unfinished"
        queued = await database_sync_to_async(cells.queue_cells)(
            experiment, self.scope["user"], scope, variant=content.get("variant"), row=content.get("row"),
            cell=content.get("cell"))
        if queued:
            await self.channel_layer.group_send(protocol.group(experiment.public_id),
                                                protocol.event(protocol.cells(experiment.public_id, "queued", queued)))
            await scheduler.kick(experiment.public_id, self.channel_layer)
        await self.send_json(protocol.accepted(content.get("ref"), experiment.public_id, len(queued)))

    async def _stop_experiment(self, content: dict):
        experiment = await self._experiment(content, write=True)
        await scheduler.stop(experiment, self.channel_layer)
        await self.send_json(protocol.accepted(content.get("ref"), experiment.public_id, 0))

    # -- events from the experiment's group --------------------------------------------------------

    async def _watch_silence(self):
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for experiment_id in list(self.watching):
                last = self.last_progress.get(experiment_id) or {}
                if not last.get("active") or now - self.heard_at.get(experiment_id, now) < SILENCE_LIMIT:
                    continue
                self.heard_at[experiment_id] = now
                progress = await database_sync_to_async(cells.progress)(experiment_id)
                if {k: v for k, v in progress.items() if k not in ("elapsed", "eta")} != \
                        {k: v for k, v in last.items() if k not in ("elapsed", "eta", "type", "experiment")}:
                    self.last_progress[experiment_id] = progress
                    await self.send_json(protocol.progress(experiment_id, progress))
                    await self.send_json(protocol.resync(experiment_id))

    def _in_order(self, experiment_id: str, event: dict) -> list[dict]:
        """The numbered events ready to send, in order: this one and any held ones it lets through;
        none when it came before an earlier one (held), or after the page already moved on."""
        seq, epoch = event.get("seq"), event.get("epoch")
        known = self.numbered.get(experiment_id)
        if seq is None or known is None or known[0] != epoch:
            self.held.pop(experiment_id, None)  # a new driver counts from 0 again
            if seq is not None:
                self.numbered[experiment_id] = (epoch, seq + 1)
            return [event]
        expected = known[1]
        if seq < expected:
            return []  # older than what was already sent (held too long and given up on)
        held = self.held.setdefault(experiment_id, {})
        held[seq] = event
        ready = []
        while expected in held:
            ready.append(held.pop(expected))
            expected += 1
        self.numbered[experiment_id] = (epoch, expected)
        if held and not ready:
            asyncio.get_running_loop().call_later(
                REORDER_WAIT, lambda: asyncio.ensure_future(self._give_up_waiting(experiment_id, epoch, expected)))
        return ready

    async def _give_up_waiting(self, experiment_id: str, epoch, expected: int):
        """Events held since `expected` was due: if it still has not come, it was lost. The page
        reloads the grid's state, and the held events go out in order after that."""
        if self.numbered.get(experiment_id) != (epoch, expected) or not self.held.get(experiment_id):
            return
        held = self.held.pop(experiment_id)
        await self.send_json(protocol.resync(experiment_id))
        for seq in sorted(held):
            await self.send_json(held[seq]["frame"])
        self.numbered[experiment_id] = (epoch, max(held) + 1)

    async def experiment_event(self, event):
        frame = event["frame"]
        experiment_id = frame.get("experiment")
        if experiment_id not in self.watching:
            return
        self.heard_at[experiment_id] = time.monotonic()
        if frame["type"] == protocol.PROGRESS:
            self.last_progress[experiment_id] = frame
        if time.monotonic() - self.checked_at.get(experiment_id, 0) > RECHECK_INTERVAL:
            try:
                await database_sync_to_async(get_experiment_for)(self.scope["user"], experiment_id)
            except (Http404, PermissionDenied):
                del self.watching[experiment_id]
                await self.channel_layer.group_discard(protocol.group(experiment_id), self.channel_name)
                return
            self.checked_at[experiment_id] = time.monotonic()
        for ready in self._in_order(experiment_id, event):
            await self.send_json(ready["frame"])
