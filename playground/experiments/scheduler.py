"""Driving an experiment: one asyncio task per experiment (the driver) in one Daphne process starts its
queued cells as ordinary runs under per-provider concurrency limits, judges each cell when its run
ends, starts model-graded checks, and tells watching sockets what changed.

The driver, not a socket, owns the experiment's progress: a closed tab changes nothing. It claims
the experiment in the database (Experiment.driver, with a heartbeat) so one process drives it at a
time; a Run or Stop pressed on another process wakes it through the channel layer. When a driver's
process dies, a sweep in every process finds the experiment without a live driver and takes over:
cells never started are queued again, cells whose runs the dead process left are judged once the
run sweep has marked those runs interrupted (and started again, a few times at most).
"""

import asyncio
import functools
import logging
import sys
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, transaction

from playground.ids import new_public_id
from playground.runs import protocol as run_protocol
from playground.runs import admission, service, shutdown
from playground.runs.models import FINAL_STATUSES

from . import cells, protocol
from .grid import PREVIEW_CHARS
from .models import DEFAULT_CONCURRENCY, Experiment

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 5.0
# The longest the driver waits without news before looking at the queue again (paused cells, foreign runs).
TICK = 1.0
# Cells ending together are handled as one batch of starts: those whose end is seen within one turn
# of the event loop. (It was 10 ms; each start step batches whatever ended while the last one ran.)
GATHER = 0
PROGRESS_INTERVAL = 0.25
SWEEP_INTERVAL = settings.RUN_SWEEP_INTERVAL

# The drivers' database steps run on threads of their own: channels' database_sync_to_async runs
# every call of the process on one thread, and behind the checkpoints of dozens of streaming runs a
# finished cell waited seconds for its slot to be refilled.
# Starting cells has a thread of its own: when a whole wave of cells ends at once, the next wave
# must not wait behind the judging of the last (checks, HTML), which has its own thread.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="experiments-db")
_START_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="experiments-start")


def db(func, executor=None):
    @functools.wraps(func)
    async def call(*args, **kwargs):
        def step():
            close_old_connections()
            try:
                return func(*args, **kwargs)
            finally:
                close_old_connections()

        return await asyncio.get_running_loop().run_in_executor(executor or _EXECUTOR, step)

    return call


def db_start(func):
    return db(func, _START_EXECUTOR)


DRIVERS: dict[str, "Driver"] = {}
_sweeper: asyncio.Task | None = None
_installed = False


class Driver:
    def __init__(self, experiment_id: str, layer):
        self.experiment_id = experiment_id
        self.layer = layer
        self.group = protocol.group(experiment_id)
        self.channel = ""
        self.wake = asyncio.Event()
        self.inflight: dict[str, set] = defaultdict(set)  # provider id → cell ids (and grading jobs) running
        self.paused_until: dict[str, float] = {}  # provider id → monotonic time: rate limited
        self.grading: deque[tuple[int, int]] = deque()
        self.foreign: dict[int, tuple[str, str]] = {}  # cell → (provider, run) left running by another process
        self.watchers: set[asyncio.Task] = set()
        self.progress_due = False
        self.task: asyncio.Task | None = None
        self.parts: dict | None = None  # the experiment's workspace, conversation and the person running it
        self.seq = 0
        self.epoch = new_public_id()[:8]
        # Cells streaming in this process: cell public id → [run task, text pieces seen, characters sent].
        self.live: dict[str, list] = {}
        # Cells whose run has ended and that are being judged (the driver may not stop meanwhile).
        self.judging = 0
        # This process refused more runs (runs/admission.py: busy relaying): no starts before then.
        self.busy_until = 0.0
        # Control channels named ahead of time for the next runs (naming one is all making one is).
        self.controls: list[str] = []

    @property
    def busy(self) -> int:
        return sum(len(ids) for ids in self.inflight.values())

    def start(self) -> asyncio.Task:
        DRIVERS[self.experiment_id] = self
        self.task = asyncio.get_running_loop().create_task(self._main(), name=f"experiment {self.experiment_id}")
        return self.task

    async def _main(self):
        try:
            self.channel = await self.layer.new_channel()
            if not await db(cells.claim_driver)(self.experiment_id, self.channel):
                return  # a live driver elsewhere has it
            listener = asyncio.create_task(self._listen())
            reporter = asyncio.create_task(self._report_progress())
            texter = asyncio.create_task(self._report_text())
            service.ensure_sweeper()
            try:
                await self._recover()
                await self._drive()
            finally:
                listener.cancel()
                reporter.cancel()
                texter.cancel()
                await db(cells.release_driver)(self.experiment_id, self.channel)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("experiment %s: the driver failed", self.experiment_id)
        finally:
            if DRIVERS.get(self.experiment_id) is self:
                DRIVERS.pop(self.experiment_id, None)
        await db(cells.end_batch)(self.experiment_id)
        await self._publish(protocol.progress(self.experiment_id, await db(cells.progress)(self.experiment_id)))

    async def _drive(self):
        last_beat = time.monotonic()
        while True:
            if time.monotonic() - last_beat >= HEARTBEAT_INTERVAL:
                last_beat = time.monotonic()
                if not await db(cells.heartbeat)(self.experiment_id, self.channel):
                    log.warning("experiment %s: another process took over", self.experiment_id)
                    return
            draining = shutdown.is_draining()
            now = time.monotonic()
            paused = {provider for provider, until in self.paused_until.items() if until > now}
            inflight = {provider: len(ids) for provider, ids in self.inflight.items()}
            room = 0 if draining else self._process_room()
            if self.parts is None:
                self.parts = await db(_experiment_parts)(self.experiment_id)
            while len(self.controls) < min(room, settings.EXPERIMENT_RUNS_MAX_CONCURRENT):
                self.controls.append(await service.control_channel(self.layer))
            # One step on the starting thread: how many may start, claimed, prepared, their runs
            # stored and linked to their cells. Each step is a wait for a freed slot.
            state, runs = await db_start(start_step)(self.experiment_id, self.parts, inflight, paused, room, list(self.controls))
            del self.controls[:len(runs)]
            if not draining:
                await self._start_grading(state)
                await self._start_cells(state, runs)
            await self._check_foreign()
            if not state["waiting"] and not self.busy and not self.grading and not self.foreign and not self.judging:
                return
            if draining and not self.busy:
                return
            try:
                # asyncio.timeout, not wait_for, which wraps the wait in a task of its own: under
                # load each turn of the event loop between a stream's end and the next start is
                # time a provider's slot stays empty.
                async with asyncio.timeout(TICK):
                    await self.wake.wait()
            except TimeoutError:
                pass
            else:
                await asyncio.sleep(GATHER)
            self.wake.clear()

    # -- limits --------------------------------------------------------------------------------

    def _free(self, provider_id: str, limit: int, user_free: int) -> int:
        if self.paused_until.get(provider_id, 0) > time.monotonic():
            return 0
        return max(0, min(limit - len(self.inflight[provider_id]), user_free))

    # -- starting ------------------------------------------------------------------------------

    def _process_room(self) -> int:
        """How many more runs this process takes now (runs/admission.py). A busy process refuses
        playground runs with "try again"; the driver simply waits and starts the cells later."""
        if self.busy_until > time.monotonic():
            return 0
        try:
            return admission.room()
        except admission.Busy as busy:
            self.busy_until = time.monotonic() + busy.retry_after
            log.info("experiment %s: this process is busy, starting more cells in %s s", self.experiment_id, busy.retry_after)
            return 0

    async def _start_cells(self, state: dict, runs: list):
        prepared = state["starts"]
        for item in prepared:
            if item.error:
                await self._publish_cell(item.cell_id, with_html=True)
                self.wake.set()  # its place in the limits is free for another cell
        ready = [item for item in prepared if item.column is not None]
        if ready:
            await self._launch(ready, runs)

    async def _launch(self, ready: list, runs: list):
        tasks = service.tasks_for(runs, [item.column for item in ready], self.parts["conversation"], self.layer)
        admission.reserve(len(tasks))  # each task's start takes its reservation back
        for item, task in zip(ready, tasks):
            self.inflight[item.provider_id].add(item.cell_id)
            await self._publish(protocol.cell(self.experiment_id, cell=item.public_id, row=item.row, variant=item.variant,
                                              state="running", run=task.run_id))
            task.start()
            self.live[item.public_id] = [task, 0, 0]
            self._watch(self._after_cell(task, item.cell_id, item.provider_id, item.public_id))
        self.progress_due = True

    async def _start_grading(self, state: dict):
        waiting = len(self.grading)
        for _ in range(waiting):
            cell_id, check_id = self.grading.popleft()
            prepared = await db(cells.prepare_grader)(cell_id, check_id)
            if prepared is None:
                continue
            if prepared.column is None:
                await self._publish_cell(cell_id, with_html=True)
                continue
            limit = state["limits"].get(prepared.provider_id)
            limit = limit if isinstance(limit, int) and limit > 0 else DEFAULT_CONCURRENCY
            if self._free(prepared.provider_id, limit, min(state["user_free"], self._process_room())) <= 0:
                self.grading.append((cell_id, check_id))
                continue
            if self.parts is None:
                self.parts = await db(_experiment_parts)(self.experiment_id)
            experiment = self.parts
            plan = service.Plan(experiment["workspace"], experiment["conversation"], [prepared.column])
            [task] = await service.start_tasks(plan, experiment["conversation"], experiment["user"], self.layer, run_sync=db)
            job = ("grade", cell_id, check_id)
            self.inflight[prepared.provider_id].add(job)
            await db(cells.record_grade)(cell_id, check_id, task.run_id)
            admission.reserve(1)
            task.start()
            self._watch(self._after_grader(task, cell_id, check_id, prepared.provider_id, job))

    def _watch(self, coroutine):
        watcher = asyncio.create_task(coroutine)
        self.watchers.add(watcher)
        watcher.add_done_callback(self.watchers.discard)

    # -- ends ----------------------------------------------------------------------------------

    async def _after_cell(self, task, cell_id: int, provider_id: str, public_id: str):
        self.judging += 1
        try:
            try:
                await task.streamed.wait()
            finally:
                # The provider's slot is free as soon as its stream is over: the next cell starts
                # while this one's end is stored and judged.
                self.inflight[provider_id].discard(cell_id)
                self.live.pop(public_id, None)
                self.wake.set()
            await task.finished.wait()
            await self._judge(cell_id, provider_id)
        finally:
            self.judging -= 1
            # The driver waits for the last judgement before it ends (with nothing streaming, no
            # stream's end wakes it); a judgement that sends the cell back to the queue or starts
            # grading wakes it itself (_judge). Waking it after every judgement made it look at the
            # queue for nothing while the next slot freed.
            if not self.judging and not self.busy:
                self.wake.set()

    async def _judge(self, cell_id: int, provider_id: str):
        outcome = await db(cells.finish)(cell_id)
        if outcome["retry_in"] is not None:
            self.paused_until[provider_id] = time.monotonic() + outcome["retry_in"]
            self.wake.set()
        for check_id in outcome["grade"]:
            self.grading.append((cell_id, check_id))
        if outcome["grade"]:
            self.wake.set()
        await self._publish(protocol.cell(self.experiment_id, **outcome["frame"]))
        self.progress_due = True

    async def _after_grader(self, task, cell_id: int, check_id: int, provider_id: str, job):
        try:
            await task.finished.wait()
            verdict = await db(cells.grader_verdict)(task.run_id)
            state = await db(cells.record_grade)(cell_id, check_id, task.run_id, verdict)
            if state != "grading":
                await self._publish_cell(cell_id, with_html=True)
        finally:
            self.inflight[provider_id].discard(job)
            self.wake.set()

    async def _recover(self):
        """Cells another driver left: queued again, watched, or judged; grading owed started again."""
        for cell_id, provider_id, run_id in await db(cells.recover)(self.experiment_id):
            self.foreign[cell_id] = (provider_id, run_id)
            self.inflight[provider_id].add(cell_id)
        self.grading.extend(await db(cells.to_grade)(self.experiment_id))

    async def _check_foreign(self):
        if not self.foreign:
            return
        statuses = await db(cells.run_statuses)([run for _provider, run in self.foreign.values()])
        for cell_id, (provider_id, run_id) in list(self.foreign.items()):
            if statuses.get(run_id) in FINAL_STATUSES or run_id not in statuses:
                del self.foreign[cell_id]
                self.inflight[provider_id].discard(cell_id)
                await self._judge(cell_id, provider_id)

    # -- talking -------------------------------------------------------------------------------

    async def _listen(self):
        while True:
            message = await self.layer.receive(self.channel)
            if message.get("type") == protocol.WAKE:
                if message.get("stop"):
                    self.grading.clear()
                self.progress_due = True
                self.wake.set()

    async def _publish(self, frame: dict):
        seq, self.seq = self.seq, self.seq + 1
        await self.layer.group_send(self.group, protocol.event(frame, seq=seq, epoch=self.epoch))

    async def _publish_cell(self, cell_id: int, *, with_html: bool):
        data = await db(cells.cell_frame_data)(cell_id, with_html=with_html)
        await self._publish(protocol.cell(self.experiment_id, **data))
        self.progress_due = True

    def _new_text(self) -> dict[str, list]:
        """Each streaming cell's text since the last call ([offset, text]), up to the grid's preview."""
        pieces = {}
        for public_id, entry in self.live.items():
            task, seen, sent = entry
            if sent >= PREVIEW_CHARS:
                continue
            parts = task.assembler.content_parts(0)
            if len(parts) <= seen:
                continue
            new = "".join(parts[seen:])[: PREVIEW_CHARS - sent]
            entry[1], entry[2] = len(parts), sent + len(new)
            if new:
                pieces[public_id] = [sent, new]
        return pieces

    async def _report_text(self):
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            pieces = self._new_text()
            if pieces:
                await self._publish(protocol.text(self.experiment_id, pieces))

    async def _report_progress(self):
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL)
            if self.progress_due:
                self.progress_due = False
                await self._publish(protocol.progress(self.experiment_id, await db(cells.progress)(self.experiment_id)))


def start_step(experiment_id: str, parts: dict, inflight: dict, paused: set, room: int, controls: list[str]) -> tuple[dict, list]:
    """The driver's database step for starting cells: claim and prepare what may start (at most one
    per control channel given), store their runs and link them to their cells. Returns the queue
    state (cells.next_starts) and the runs stored, in the order of its ready starts.

    One transaction: a cell is claimed only with its run (a failed insert leaves it queued), and
    under a busy event loop each round trip of this thread waits for the GIL, so fewer is faster."""
    with transaction.atomic():
        state = cells.next_starts(experiment_id, inflight, paused, min(room, len(controls)))
        ready = [item for item in state["starts"] if item.column is not None]
        if not ready:
            return state, []
        for item, control in zip(ready, controls):
            item.column.control = control
        runs = service.store_runs(parts["user"], parts["conversation"], [item.column for item in ready])
        cells.attach_runs([(item.cell_id, run) for item, run in zip(ready, runs)])
    return state, runs


def _experiment_parts(experiment_id: str) -> dict:
    experiment = Experiment.objects.select_related("conversation__workspace", "run_by", "author").get(public_id=experiment_id)
    return {"workspace": experiment.conversation.workspace, "conversation": experiment.conversation,
            "user": experiment.run_by or experiment.author}


# Entry points


async def kick(experiment_id: str, layer, *, stop: bool = False) -> None:
    """Make sure a driver works on the experiment: wake this process's, tell another process's, or start one."""
    local = DRIVERS.get(experiment_id)
    if local is not None and local.task is not None and not local.task.done():
        if stop:
            local.grading.clear()
        local.progress_due = True
        local.wake.set()
        return
    channel = await db(cells.live_driver)(experiment_id)
    if channel:
        await layer.send(channel, protocol.wake(experiment_id, stop=stop))
        return
    if not stop:
        Driver(experiment_id, layer).start()


async def stop(experiment, layer) -> None:
    """Stop all: nothing more starts, every streaming cell (and grader) is cancelled wherever it runs."""
    running, waiting = await db(cells.stop_cells)(experiment)
    for run_id, worker in running:
        if worker:
            await layer.send(worker, run_protocol.cancel_request(run_id))
    await kick(experiment.public_id, layer, stop=True)
    group = protocol.group(experiment.public_id)
    if waiting:
        await layer.group_send(group, protocol.event(protocol.cells(experiment.public_id, "idle", waiting)))
    await layer.group_send(group, protocol.event(protocol.progress(experiment.public_id, await db(cells.progress)(experiment.public_id))))


def ensure_sweeper() -> None:
    """Start this process's sweep for experiments without a live driver (once)."""
    global _sweeper
    if _sweeper is None or _sweeper.done():
        _sweeper = asyncio.get_running_loop().create_task(_sweep_forever(), name="experiment sweeper")


async def sweep_once(layer=None) -> int:
    layer = layer or get_channel_layer()
    orphans = await db(cells.orphaned_experiments)()
    for experiment_id in orphans:
        if experiment_id not in DRIVERS:
            log.warning("experiment %s has no live driver: this process takes it over", experiment_id)
            Driver(experiment_id, layer).start()
    return len(orphans)


async def _sweep_forever():
    while True:
        try:
            if not shutdown.is_draining():
                await sweep_once()
        except Exception:
            log.exception("the experiment sweep failed")
        await asyncio.sleep(SWEEP_INTERVAL)


def install() -> None:
    """At a Daphne process's start, begin the sweep (so an experiment left by a dead process resumes
    even before anyone opens a page here). Like runs/shutdown.install, only where Twisted's reactor runs."""
    global _installed
    if _installed or "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor  # noqa: PLC0415  (only in a Daphne process, after daphne installed its reactor)

    _installed = True
    reactor.callWhenRunning(lambda: reactor.callLater(0, ensure_sweeper))
