"""The page's one websocket. Authenticates, validates each message, and hands it to its handler."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from playground import jsonsafe
from playground.conversations.starting import start_runs
from playground.experiments import protocol as experiment_protocol
from playground.experiments.consumer import ExperimentSocketMixin
from playground.runs import protocol, shutdown
from playground.runs.consumer import RunSocketMixin

# Close code for "not signed in" (4000-4999 are for applications); the page shows a sign-in link.
CLOSE_UNAUTHENTICATED = 4401

STARTS = ("run.start", "run.rerun")
RUN_MESSAGES = ("run.cancel", "run.attach")


def too_large(text: str) -> str | None:
    """What to say about a message over SOCKET_MAX_MESSAGE_BYTES (None: it fits)."""
    size, limit = len(text.encode("utf-8")), settings.SOCKET_MAX_MESSAGE_BYTES
    if size <= limit:
        return None
    return (f"This request is {_amount(size)}; the connection takes at most {_amount(limit)}. "
            "Shorten the messages (long texts, pasted files or images) or run fewer columns at once.")


def _amount(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} KB"


def _ref_of(text: str):
    # The browser's request this answers, so its Run button is released; best effort only.
    try:
        content = jsonsafe.loads(text)
    except ValueError:
        return None
    return content.get("ref") if isinstance(content, dict) else None


class PlaygroundConsumer(RunSocketMixin, ExperimentSocketMixin, AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.init_runs()
        self.init_experiments()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.accept()

    async def disconnect(self, code):
        await self.close_runs()
        await self.close_experiments()

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json(protocol.socket_error('Each message must be a JSON object with a "type".'))
            return
        kind = content["type"]
        if kind == "ping":
            await self.send_json({"type": "pong", "id": content.get("id")})
        elif kind in STARTS:
            await self.answering(content, lambda: self._start(content))
        elif kind in RUN_MESSAGES:
            await self.handle_run_message(content)
        elif kind in experiment_protocol.BROWSER_MESSAGES:
            await self.handle_experiment_message(content)
        else:
            await self.send_json(protocol.socket_error(f"Unknown message type {kind!r}."))

    async def _start(self, content: dict) -> None:
        shutdown.refuse_runs_when_draining()
        tasks = await start_runs(self.scope["user"], self.scope.get("session"), self.channel_layer, content)
        await self.launch(tasks, content.get("ref"))

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.send_json(protocol.socket_error("Binary messages are not supported."))
            return
        # A character is at most 4 bytes in UTF-8: most messages fit without being measured.
        problem = too_large(text_data) if len(text_data) > settings.SOCKET_MAX_MESSAGE_BYTES // 4 else None
        if problem:
            await self.send_json(protocol.socket_error(problem, _ref_of(text_data)))
            return
        try:
            content = await self.decode_json(text_data)
        except jsonsafe.JSONRefused as refused:
            await self.send_json(protocol.socket_error(jsonsafe.explain(refused)))
            return
        except ValueError:
            await self.send_json(protocol.socket_error("Messages must be JSON."))
            return
        await self.receive_json(content)

    @classmethod
    async def decode_json(cls, text_data):
        # Not channels' json.loads: NaN and deep nesting would crash the socket further on.
        return jsonsafe.loads(text_data)
