"""The run part of the page socket: starting tasks a session prepared, run.cancel, run.attach, and
relaying frames.

A run whose task lives in this process is watched directly: the task calls `run_frame` for each
frame, and a backlog is read from the task's memory. A run of another process is watched through
the channel layer (see protocol.py). Each socket tracks, per run it watches, the next sequence
number it expects. A frame with a higher number means frames were lost on the way (a channel layer
drops them silently past its capacity): the socket asks the run's task for the backlog and
forwards only what it has not sent yet, so the browser gets every frame once, in order. That
in-order, gapless relay is what lets a compact delta frame leave its sequence number out.
"""

import asyncio
import contextlib
import time

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from . import protocol, service, store
from .access import get_run_for
from .task import ACTIVE, DATABASE_AWAY

DATABASE_AWAY_MESSAGE = "The database is not answering right now; try again in a moment."
BACKLOG_TIMEOUT = 3.0
SILENCE_LIMIT = 5.0
SILENCE_CHECK_INTERVAL = 1.0


class RunSocketMixin:
    """Mixed into the page consumer; needs `self.channel_layer`, `self.channel_name`, `self.scope`."""

    def init_runs(self):
        self.expected: dict[str, int] = {}
        self.backlog_requested: dict[str, int] = {}
        # The control channel of each watched run's process, so a gap is mended without a query.
        self.controls: dict[str, str] = {}
        # When each watched run last sent something. A layer can drop a run's last frame with no
        # later frame to reveal the gap, so a run silent for too long is asked for its backlog.
        self.last_heard: dict[str, float] = {}
        self.watchdog: asyncio.Task | None = None
        # Watched runs whose task is in this process: it hands frames over by calling run_frame.
        self.local: dict = {}
        # Compact frames: each run's alias on this socket, and the runs whose next compact frame
        # may leave out its run id and seq (the browser has both from this socket already).
        self.aliases: dict[str, int] = {}
        self.defined: set[str] = set()
        self.next_alias = 1

    async def close_runs(self):
        if self.watchdog is not None:
            self.watchdog.cancel()
        for run_id in list(self.expected):
            await self._unsubscribe(run_id)

    async def _watch_silent_runs(self):
        while True:
            await asyncio.sleep(SILENCE_CHECK_INTERVAL)
            now = time.monotonic()
            for run_id in list(self.expected):
                if now - self.last_heard.get(run_id, now) > SILENCE_LIMIT and run_id not in self.backlog_requested:
                    self.last_heard[run_id] = now
                    await self._request_backlog(run_id)

    # -- messages from the browser -----------------------------------------------------------

    async def answering(self, content: dict, action) -> None:
        """Run `action()` for a browser message, answering a refusal with a frame, not a closed socket."""
        ref = content.get("ref")
        try:
            await action()
        except service.RunRejected as rejected:
            await self.send_json(protocol.rejected(ref, rejected.message, rejected.errors, rejected.retry_after))
        except Http404 as missing:
            await self.send_json(protocol.socket_error(str(missing) or "Not found.", ref))
        except PermissionDenied as denied:
            await self.send_json(protocol.socket_error(str(denied) or "Not allowed.", ref))
        except DATABASE_AWAY:
            # A database restart must not close the socket (the page would reconnect and re-attach
            # everything): say so; the next message gets a fresh connection.
            await self.send_json(protocol.socket_error(DATABASE_AWAY_MESSAGE, ref))

    async def handle_run_message(self, content: dict) -> None:
        if content["type"] == "run.cancel":
            await self.answering(content, lambda: self._cancel(content))
        elif content["type"] == "run.attach":
            await self.answering(content, lambda: self._attach(content))

    async def launch(self, tasks: list, ref) -> None:
        """Watch the new runs from their first frame, say they were accepted, then start them."""
        for task in tasks:
            await self._subscribe(task.run_id, after=-1, control=task.control, task=task)
        await self.send_json(protocol.accepted(ref, [task.run_id for task in tasks], tasks[0].meta["conversation"]))
        for task in tasks:
            task.start()
        service.ensure_sweeper()

    async def _cancel(self, content):
        run = await database_sync_to_async(get_run_for)(self.scope["user"], str(content.get("run", "")), write=True)
        if not run.is_live:
            await self.send_json(protocol.socket_error("That run is not streaming any more.", content.get("ref")))
            return
        await self.channel_layer.send(run.worker, protocol.cancel_request(run.public_id))

    async def _attach(self, content):
        run = await database_sync_to_async(get_run_for)(self.scope["user"], str(content.get("run", "")))
        after = content.get("after", -1)
        after = after if isinstance(after, int) and after >= -1 else -1
        if not run.is_live:
            await self._send_snapshot(run.public_id, watched=False)
            return
        await self._subscribe(run.public_id, after=after, control=run.worker)

    # -- subscriptions -------------------------------------------------------------------------

    async def _subscribe(self, run_id: str, after: int, control: str, task=None):
        """Watch a run from frame `after` + 1: the frames after it come now, live ones as they are made.

        `task`: the run's task when the caller has it (a run this socket is starting)."""
        self.expected[run_id] = after + 1
        self.controls[run_id] = control
        self.last_heard[run_id] = time.monotonic()
        self.defined.discard(run_id)  # the browser's next seq may differ from after + 1 now
        task = (task or ACTIVE.get(run_id)) if settings.RUNS_LOCAL_DELIVERY else None
        if task is not None:
            self.local[run_id] = task
            task.watch(self)
        if self.watchdog is None or self.watchdog.done():
            self.watchdog = asyncio.create_task(self._watch_silent_runs())
        await self._request_backlog(run_id)

    async def _unsubscribe(self, run_id: str, *, tell: bool = True):
        """Stop watching; `tell` the run's task of another process (not needed once the run ended)."""
        self.expected.pop(run_id, None)
        self.backlog_requested.pop(run_id, None)
        self.last_heard.pop(run_id, None)
        self.aliases.pop(run_id, None)
        self.defined.discard(run_id)
        control = self.controls.pop(run_id, None)
        task = self.local.pop(run_id, None)
        if task is not None:
            task.unwatch(self)
        elif tell and control:
            with contextlib.suppress(ChannelFull):
                await self.channel_layer.send(control, protocol.unwatch_request(run_id, self.channel_name))

    async def _request_backlog(self, run_id: str):
        if run_id in self.backlog_requested or run_id not in self.expected:
            return
        task = self.local.get(run_id)
        if task is not None:
            await self._catch_up(run_id, task)
            return
        # Straight to the run's process, even if the run has just ended there: its task keeps the
        # backlog a while, and frames beat a snapshot. Asking also (re)registers this socket as a
        # watcher there. (Redis may also deliver two frames sent within the same instant out of
        # order, which looks like a gap.)
        control = self.controls[run_id]
        after = self.expected[run_id] - 1
        self.backlog_requested[run_id] = after
        await self.channel_layer.send(control, protocol.backlog_request(run_id, self.channel_name, after, watch=True))
        asyncio.get_running_loop().call_later(BACKLOG_TIMEOUT, lambda: asyncio.ensure_future(self._backlog_timed_out(run_id, after)))

    async def _catch_up(self, run_id: str, task):
        """Send what a task of this process has that this socket has not sent yet."""
        while run_id in self.expected and self.expected[run_id] < len(task.frames):
            seq = self.expected[run_id]
            self.expected[run_id] = seq + 1
            await self.send(text_data=task.frames[seq])
            if seq == task.last_seq:
                await self._unsubscribe(run_id, tell=False)
        if run_id in self.expected:
            self.last_heard[run_id] = time.monotonic()

    async def _backlog_timed_out(self, run_id: str, after: int):
        if self.backlog_requested.get(run_id) != after or run_id not in self.expected:
            return  # answered, or no longer watched
        del self.backlog_requested[run_id]
        try:
            run = await database_sync_to_async(get_run_for)(self.scope["user"], run_id)
        except (Http404, PermissionDenied):
            await self._unsubscribe(run_id)  # access was taken away meanwhile
            return
        if run.is_live and self.expected.get(run_id) is not None and run.heartbeat_at > timezone.now() - store.STALE_AFTER:
            await self._request_backlog(run_id)  # the task is alive, just busy: ask again
        else:
            # The run ended, or its process is gone: the stored run is the truth.
            await self._send_snapshot(run_id)

    async def _send_snapshot(self, run_id: str, *, watched: bool = True):
        # Stop watching before the first await, so the silence watchdog and a backlog time-out
        # cannot both send a snapshot of the same run.
        if watched and run_id not in self.expected:
            return
        if run_id in self.expected:
            await self._unsubscribe(run_id)
        run = await database_sync_to_async(get_run_for)(self.scope["user"], run_id)
        frame = await database_sync_to_async(store.snapshot_frame)(run)
        await self.send(text_data=protocol.encode(frame))

    # -- events from the channel layer -----------------------------------------------------------

    async def run_frame(self, event):
        run_id, seq = event["run"], event["seq"]
        expected = self.expected.get(run_id)
        if expected is None or seq < expected:
            return  # not watching, or already sent through a backlog
        self.last_heard[run_id] = time.monotonic()
        if seq > expected:
            await self._request_backlog(run_id)
            return
        self.expected[run_id] = seq + 1
        if event.get("compact") is None:
            text = event["text"]
        else:
            alias = self.aliases.get(run_id)
            if alias is None:
                alias = self.aliases[run_id] = self.next_alias
                self.next_alias += 1
            defining = run_id not in self.defined
            if defining:
                self.defined.add(run_id)
            text = protocol.compact(alias, event, defining=defining)
        await self.send(text_data=text)
        if event["final"]:
            await self._unsubscribe(run_id, tell=False)

    async def run_backlog(self, event):
        run_id = event["run"]
        after = self.backlog_requested.pop(run_id, None)
        if after is None or run_id not in self.expected:
            return
        self.last_heard[run_id] = time.monotonic()
        for offset, text in enumerate(event["frames"]):
            seq = after + 1 + offset
            if seq < self.expected[run_id]:
                continue
            await self.send(text_data=text)
            self.expected[run_id] = seq + 1
        if event["ended"] or not event["live"] and not event["frames"]:
            await self._unsubscribe(run_id, tell=False)
        elif event["frames"]:
            # While this backlog was on its way and being sent, newer frames may have been
            # dropped too: ask until a backlog comes back empty, i.e. this socket has caught up.
            await self._request_backlog(run_id)
