"""One asyncio task per run: stream from the provider, publish frames, checkpoint, finish.

The task, not a socket, owns the run: closing the tab does not stop it. Sockets of its own process
watch it directly (`watch`: each frame is a method call on the socket, no copy and no queue);
sockets of other processes reach it through the channel layer (cancel, backlog and watch requests
on its own control channel; frames sent to each watching socket's channel), so a socket anywhere
can watch, re-attach and cancel.
"""

import asyncio
import logging
import time

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from playground.ops import metrics as ops_metrics
from playground.providers.client import stream_chat
from playground.providers.errors import ProviderError

from . import admission, checkpoints, protocol, store
from .assembler import Assembler, merge_news
from .counts import output_tokens
from .models import Status
from .render import render_markdown

log = logging.getLogger(__name__)

# Under pressure (news arriving while a frame is still being sent, or the publisher waking late
# because the process is busy) frames are merged and spaced at least this far apart, so a fast
# provider or a crowd of streams cannot flood the browser or the process.
MERGED_FRAME_INTERVAL = 1 / 30
# A publisher woken this long after its news arrived is behind: the path is not keeping up.
PRESSURE_LAG = 0.005
# Even when keeping up, frames of one run are at least this far apart (a display's refresh): a
# provider faster than that gets its tokens merged, which a reader cannot see, and each frame
# costs the process about the same whatever it carries.
MIN_FRAME_INTERVAL = 1 / 60
# The longest a loaded process lets news gather into one frame.
MAX_MERGED_FRAME_INTERVAL = 0.25
# While the database is away, the end of a run is retried after pauses doubling from
# RETRY_PAUSE_FIRST up to RETRY_PAUSE_MAX (checkpoints.py does the same for the checkpoints).
RETRY_PAUSE_FIRST = 1.0
RETRY_PAUSE_MAX = 4.0
# How long the end of a run is retried before the task gives up storing it.
FINISH_PATIENCE = 120.0
# The first pause before listening again on a channel layer that failed (Redis restarting).
LAYER_RETRY_PAUSE = 0.5
# What a lost or restarting database raises (Django wraps psycopg's errors in these).
DATABASE_AWAY = (OperationalError, InterfaceError)
# After the end, the task keeps answering backlog requests this long for sockets that attached
# just before; later ones read the stored run.
LINGER = 10.0
# How long to keep retrying a backlog reply to a socket whose channel is full.
BACKLOG_REPLY_PATIENCE = 5.0
# Tokens per second are given only for a stream whose tokens arrived over at least this long: a
# whole answer in one piece (non-streamed, or a stream the server sent at once) has no rate.
MIN_GENERATION_SECONDS = 0.01
# A compact delta frame carries the run's elapsed time in the first delta and then at most this
# often (readers count on from their own clock in between): it costs bytes on every frame.
ELAPSED_EVERY = 1.0

# Runs of this process by id, so tests, the sweeper and graceful shutdown can see them.
ACTIVE: dict[str, "RunTask"] = {}
ops_metrics.active_streams.set_function(lambda: sum(1 for task in ACTIVE.values() if not task.finished.is_set()))


class RunTask:
    def __init__(self, *, run_id: str, control: str, config, body: dict, layer, meta: dict):
        self.run_id = run_id
        self.control = control  # this run's control channel: cancel and backlog requests
        self.config = config
        self.body = body
        self.layer = layer
        self.meta = meta
        self.watchers: list = []  # sockets of this process watching: their run_frame is called per frame
        self.remote_watchers: set[str] = set()  # channels of sockets of other processes watching
        self.frames: list[str] = []  # the backlog: every frame sent, encoded, index = seq
        self.last_seq: int | None = None  # the seq of the run's last frame, once sent
        self.pending: dict[int, dict] = {}
        self.usage_pending = None
        self.assembler = Assembler()
        self.chunk_times: list[float] = []
        self.chunk_lengths: list[int] = []
        self.started = time.monotonic()
        self.first_token: float | None = None
        self.last_token: float | None = None
        self.chunked = False  # the answer came as stream chunks (not as one whole completion)
        # What was retried and why, told to the run's watchers and kept in its notices.
        self.retries: list[dict] = []
        self.status = Status.STREAMING
        self.error: ProviderError | None = None
        self.finished = asyncio.Event()
        # Set when the provider's stream is over, before the end is stored: a scheduler's slot for
        # this provider is free from then on (experiments/scheduler.py).
        self.streamed = asyncio.Event()
        self._news = asyncio.Event()
        self._news_since = 0.0  # when the oldest news not yet published arrived
        self._timed_at: float | None = None  # the elapsed time the last timed frame carried
        # Read by checkpoints.py: whether the text changed since the last checkpoint, and when the
        # run last wrote (its insert counts as the first write).
        self.dirty = False
        self.last_write = time.monotonic()
        self._layer_failures = 0  # channel-layer calls failed in a row (Redis away)
        self._reader: asyncio.Task | None = None
        self._task: asyncio.Task | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> asyncio.Task:
        ACTIVE[self.run_id] = self
        admission.run_started()
        admission.ensure_sampler()
        ops_metrics.run_started(self)
        self._task = asyncio.get_running_loop().create_task(self._main(), name=f"run {self.run_id}")
        return self._task

    async def _main(self):
        control = asyncio.create_task(self._serve_control())
        try:
            await self._publish(protocol.started(self.meta))
            publisher = asyncio.create_task(self._publish_news())
            checkpoints.ensure_writer(ACTIVE)
            self._reader = asyncio.create_task(self._read())
            try:
                await self._reader
            except asyncio.CancelledError:
                if self.status == Status.STREAMING:  # cancelled by run.cancel, not by shutdown
                    self.status = Status.CANCELLED
            except ProviderError as error:
                self.status, self.error = Status.FAILED, error
            except Exception as error:  # never let a bug leave a run "streaming" forever
                log.exception("run %s crashed", self.run_id)
                self.status = Status.FAILED
                self.error = ProviderError(
                    "stream_error", "The playground hit an internal error while relaying this run.",
                    hint="Try again; if it keeps happening, the server log has the details.",
                )
                self.error.__cause__ = error
            else:
                self.status = Status.COMPLETED
            self.streamed.set()
            publisher.cancel()
            await self._flush_news()
            await self._finish()
        finally:
            self.streamed.set()
            self.finished.set()
            admission.run_ended()
            ops_metrics.run_finished(self)
            try:
                await asyncio.sleep(LINGER)
            finally:
                control.cancel()
                ACTIVE.pop(self.run_id, None)

    def cancel(self) -> None:
        if self._reader and not self._reader.done():
            self.status = Status.CANCELLED
            self._reader.cancel()

    # -- reading from the provider -----------------------------------------------------------

    async def _read(self):
        deadline = self.started + settings.RUN_DEADLINE
        async for event in stream_chat(self.config, self.body, deadline=deadline, on_retry=self._on_retry):
            now = time.monotonic()
            if event.kind == "chunk":
                self.chunked = True
                news = self.assembler.add_chunk(event.data)
            elif event.kind == "completion":
                news = self.assembler.add_response(event.data)
            else:
                continue
            self.chunk_times.append(round(now - self.started, 4))
            self.chunk_lengths.append(sum(len(new.get("content", "")) for new in news if new["index"] == 0))
            if news and self.first_token is None:
                self.first_token = now
            if news:
                self.last_token = now
                if not self.pending:
                    self._news_since = now
                merge_news(self.pending, news)
            if event.data.get("usage"):
                self.usage_pending = event.data["usage"]
            self.dirty = True
            self._news.set()

    async def _on_retry(self, attempt: int, delay: float, error: ProviderError):
        ops_metrics.provider_error(error)
        retry = {"attempt": attempt, "delay": round(delay, 2), "status": error.status, "kind": error.kind,
                 "message": error.message}
        self.retries.append(retry)
        await self._publish(protocol.retrying(**retry))

    # -- publishing --------------------------------------------------------------------------

    def watch(self, socket) -> None:
        """Hand `socket` (a consumer of this process) every frame from now on: `await socket.run_frame(event)`."""
        if socket not in self.watchers:
            self.watchers.append(socket)

    def unwatch(self, socket) -> None:
        if socket in self.watchers:
            self.watchers.remove(socket)

    async def _publish(self, frame: dict) -> None:
        seq = len(self.frames)
        text = protocol.encode(protocol.numbered(self.run_id, seq, frame))
        self.frames.append(text)
        final = protocol.is_terminal(frame["type"])
        if final:
            self.last_seq = seq
        event = protocol.frame_event(self.run_id, seq, frame, text, timed=self._timed(frame))
        for socket in tuple(self.watchers):
            try:
                await socket.run_frame(event)
            except Exception:  # one broken socket must not stop the run or the other watchers
                log.exception("run %s: a socket failed to take frame %d", self.run_id, seq)
                self.unwatch(socket)
        for channel in tuple(self.remote_watchers):
            try:
                await self.layer.send(channel, event)
            except Exception as error:
                # Dropped, as a full channel drops group messages (or the layer is away: Redis
                # restarting, and the run goes on): that socket mends the gap from the backlog,
                # and asking for it registers it again.
                self.remote_watchers.discard(channel)
                if not isinstance(error, ChannelFull):
                    self._layer_failed("publishing", error)
            else:
                self._layer_failures = 0
        if final:
            self.remote_watchers.clear()

    def _timed(self, frame: dict) -> bool:
        """Whether a compact form of this frame carries its elapsed time (see ELAPSED_EVERY)."""
        elapsed = frame.get("elapsed")
        if elapsed is None or (self._timed_at is not None and elapsed - self._timed_at < ELAPSED_EVERY):
            return False
        self._timed_at = elapsed
        return True

    def _take_news(self) -> dict | None:
        if not self.pending and self.usage_pending is None:
            return None
        pending = self.pending
        choices = [pending[i] for i in sorted(pending)] if len(pending) > 1 else list(pending.values())
        frame = protocol.delta(choices, time.monotonic() - self.started, self.usage_pending)
        self.pending, self.usage_pending = {}, None
        return frame

    async def _publish_news(self):
        last_sent = 0.0
        while True:
            await self._news.wait()
            lag = time.monotonic() - self._news_since
            if lag > PRESSURE_LAG:
                # Woken late: the process is busy relaying (many streams, a fast provider), so
                # this frame waits out the merged-frame interval and carries what gathers meanwhile.
                # The busier the process, the longer the interval: fewer, fuller frames cost less.
                interval = min(MAX_MERGED_FRAME_INTERVAL, max(MERGED_FRAME_INTERVAL, 4 * lag))
                await asyncio.sleep(max(0.0, last_sent + interval - time.monotonic()))
            elif time.monotonic() < last_sent + MIN_FRAME_INTERVAL:
                await asyncio.sleep(last_sent + MIN_FRAME_INTERVAL - time.monotonic())
            self._news.clear()
            news_since = self._news_since
            frame = self._take_news()
            if frame is None:
                continue
            last_sent = time.monotonic()
            await self._publish(frame)
            ops_metrics.frame_relayed(time.monotonic() - news_since)
            if self._news.is_set():
                # More arrived while that frame was being sent: the path is not keeping up, so
                # let news gather and send it merged, at most ~30 frames a second.
                await asyncio.sleep(max(0.0, last_sent + MERGED_FRAME_INTERVAL - time.monotonic()))

    async def _flush_news(self):
        frame = self._take_news()
        if frame is not None:
            await self._publish(frame)

    # -- control messages: cancel and backlog requests, possibly from other processes ---------

    async def _serve_control(self):
        pause = LAYER_RETRY_PAUSE
        while True:
            try:
                message = await self.layer.receive(self.control)
            except Exception as error:  # the channel layer is away: keep listening once it is back
                _unless_cancelled(error)
                self._layer_failed("listening for control messages", error)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_PAUSE_MAX)
                continue
            # A read can complete although this task was cancelled meanwhile (redis-py finishes a
            # blocking read before it gives in): stop here rather than wait for the next one.
            _unless_cancelled()
            pause = LAYER_RETRY_PAUSE
            self.handle_control(message)

    def _layer_failed(self, doing: str, error: Exception) -> None:
        # Once per outage in the log, not once per frame.
        if not self._layer_failures:
            log.warning("run %s: the channel layer failed while %s (%s); the run goes on",
                        self.run_id, doing, _first_line(error), extra={"run_id": self.run_id})
        self._layer_failures += 1

    def handle_control(self, message: dict) -> None:
        kind = message.get("type")
        if kind == protocol.CANCEL:
            self.cancel()
        elif kind == protocol.BACKLOG and message.get("reply_to"):
            if message.get("watch") and self.last_seq is None:
                self.remote_watchers.add(message["reply_to"])
            # Answered in its own task: the asker's channel may be full (that is often why it
            # asks), and the control channel must keep serving meanwhile.
            asyncio.create_task(self._send_backlog(message["reply_to"], int(message.get("after", -1))))
        elif kind == protocol.UNWATCH:
            self.remote_watchers.discard(message.get("reply_to"))

    async def _send_backlog(self, reply_to: str, after: int):
        deadline = time.monotonic() + BACKLOG_REPLY_PATIENCE
        while True:
            ended = self.last_seq is not None and self.last_seq > after
            reply = protocol.backlog_reply(self.run_id, self.frames[after + 1 :], live=not self.finished.is_set(), ended=ended)
            try:
                await self.layer.send(reply_to, reply)
                return
            except Exception as error:  # a full channel, or the layer away for a moment
                _unless_cancelled(error)
                if time.monotonic() > deadline:
                    log.warning("run %s: gave up sending a backlog to a socket (%s)", self.run_id,
                                "its channel stays full" if isinstance(error, ChannelFull) else _first_line(error))
                    return
                await asyncio.sleep(0.05 if isinstance(error, ChannelFull) else LAYER_RETRY_PAUSE)

    # -- persistence -------------------------------------------------------------------------

    def metrics(self, end: float | None = None) -> dict:
        """Timings and the output's size: tokens from the server's usage when it sent it, else
        counted by the offline tokenizer on the text (and flagged as an estimate), never from chunks."""
        end = time.monotonic() if end is None else end
        ttft = round(self.first_token - self.started, 4) if self.first_token else None
        tokens, estimated = output_tokens(self.assembler.usage, self.assembler.snapshot(), self.body.get("model", ""))
        generating = self.last_token - self.first_token if self.chunked and self.first_token else 0
        # The first token's time is the time to first token; the rate is of the tokens after it.
        measurable = generating >= MIN_GENERATION_SECONDS and tokens > 1
        return {
            "time_to_first_token": ttft,
            "total_time": round(end - self.started, 4),
            "output_tokens": tokens,
            "output_tokens_estimated": estimated,
            "tokens_per_second": round((tokens - 1) / generating, 2) if measurable else None,
        }

    def _summary(self, snapshot: list[dict], ended: float) -> tuple[dict, list[str], list[dict]]:
        """The run's metrics, its notices and its choices rendered as HTML."""
        notices = store.notices_for(self.body, snapshot, self.assembler.usage, self.status, retries=self.retries,
                                    error=self.error)
        rendered = [{"index": c["index"], "finish_reason": c.get("finish_reason"), "html": render_markdown(c.get("content", ""))}
                    for c in snapshot]
        return self.metrics(ended), notices, rendered

    async def _finish(self):
        ended = time.monotonic()
        snapshot = self.assembler.snapshot()
        # Counting tokens (the tokenizer's first use in a process loads its vocabulary: half a
        # second) and rendering Markdown (highlighting a long code answer: a tenth of a second)
        # happen in a worker thread: the event loop keeps relaying the other runs meanwhile, the
        # GIL changing hands every few milliseconds instead of after the whole job.
        metrics, notices, rendered = await asyncio.to_thread(self._summary, snapshot, ended)
        error = self.error.to_dict() if self.error else None
        end = dict(
            status=self.status,
            choices=snapshot,
            response=self.assembler.response() if self.assembler.chunks else None,
            usage=self.assembler.usage,
            error=error,
            chunk_times=self.chunk_times,
            chunk_lengths=self.chunk_lengths,
            metrics={name: value for name, value in metrics.items() if name != "output_tokens_estimated"},
            notices=notices,
        )
        cost = None
        pause, give_up_at = RETRY_PAUSE_FIRST, time.monotonic() + FINISH_PATIENCE
        while True:
            try:
                cost, notices = await _stored(store.finish, self.run_id, **end)
                break
            except DATABASE_AWAY as error:
                if time.monotonic() + pause > give_up_at:
                    # The answer is sent anyway; the stored run keeps its last checkpoint and is
                    # swept as interrupted once this task is gone.
                    log.error("run %s: could not store its end (%s); giving up", self.run_id, _first_line(error),
                              extra={"run_id": self.run_id})
                    break
                log.warning("run %s: storing its end failed (%s); trying again in %.0f s", self.run_id,
                            _first_line(error), pause, extra={"run_id": self.run_id})
                await asyncio.sleep(pause)
                pause = min(pause * 2, RETRY_PAUSE_MAX)
            except Exception:
                # Something the database refuses (say, a provider's NaN in the answer): the watchers
                # still get the end below instead of waiting forever; the stored run is swept later.
                log.exception("run %s: could not store its end", self.run_id, extra={"run_id": self.run_id})
                break
        await self._publish(protocol.ended(status=self.status, choices=rendered, usage=self.assembler.usage,
                                           metrics={**metrics, "cost": cost}, notices=notices, error=error))
        log.info("run %s %s", self.run_id, self.status, extra={"run_id": self.run_id, "status": self.status})


async def _stored(step, *args, **kwargs):
    """Run a store step in the database thread; on a lost connection, close it there before
    raising, so the next attempt opens a fresh one instead of reusing the broken one."""
    try:
        return await database_sync_to_async(step)(*args, **kwargs)
    except DATABASE_AWAY:
        await database_sync_to_async(_close_connection)()
        raise


def _close_connection() -> None:
    try:
        connection.close()
    except DATABASE_AWAY:
        pass  # closing a connection the server already dropped may complain; it is closed either way


def _unless_cancelled(error: Exception | None = None) -> None:
    """Raise CancelledError when this task is being cancelled although what it awaited did not say
    so: channels-redis can turn a cancelled read into a connection error, or finish it first. Such
    a loop must end, not take it for Redis being away or wait for the next message."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
