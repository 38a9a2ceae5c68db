"""The experiment part of the page socket: watch an experiment (its events, and the runs of its running
cells on the rows the page shows), run cells, stop all.

Mixed into the page consumer beside runs' RunSocketMixin, whose subscriptions relay each cell's run
frames (with their gap mending) exactly as for a run started in the playground.
"""

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


@database_sync_to_async
def _watch_state(experiment, rows: set[str]) -> tuple[dict, list[dict]]:
    chosen = Cell.objects.filter(experiment=experiment, row__public_id__in=rows).exclude(state=CellState.IDLE)
    listed = [{"cell": cell_id, "state": state, "run": run, "row": row, "worker": worker, "live": status == "streaming"}
              for cell_id, state, run, row, worker, status in chosen.values_list(
                  "public_id", "state", "run__public_id", "row__public_id", "run__worker", "run__status")]
    return cells.progress(experiment.public_id), listed


class ExperimentSocketMixin:
    """Needs the RunSocketMixin's `_subscribe` / `_request_backlog` and `answering`."""

    def init_experiments(self):
        self.watching: dict[str, set[str]] = {}
        self.checked_at: dict[str, float] = {}

    async def close_experiments(self):
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
        self.checked_at[experiment.public_id] = time.monotonic()
        progress, listed = await _watch_state(experiment, rows)
        await self.send_json(protocol.state(content.get("ref"), experiment.public_id, progress,
                                            [{"cell": c["cell"], "state": c["state"], "run": c["run"]} for c in listed]))
        for item in listed:
            if item["live"] and item["run"]:
                # From its first frame: the page shows the whole text so far, then the rest live.
                await self._subscribe(item["run"], after=-1, control=item["worker"])
                await self._request_backlog(item["run"])
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

    async def experiment_event(self, event):
        frame = event["frame"]
        experiment_id = frame.get("experiment")
        if experiment_id not in self.watching:
            return
        if time.monotonic() - self.checked_at.get(experiment_id, 0) > RECHECK_INTERVAL:
            try:
                await database_sync_to_async(get_experiment_for)(self.scope["user"], experiment_id)
            except (Http404, PermissionDenied):
                del self.watching[experiment_id]
                await self.channel_layer.group_discard(protocol.group(experiment_id), self.channel_name)
                return
            self.checked_at[experiment_id] = time.monotonic()
        if frame["type"] == protocol.CELL:
            frame = dict(frame)  # the layer may hand every socket the same dict
            control = frame.pop("control", None)
            if control and frame.get("run") and frame.get("row") in self.watching[experiment_id]:
                await self._subscribe(frame["run"], after=-1, control=control)
        await self.send_json(frame)
