"""The page's one websocket. Authenticates, validates each message, and hands it to its handler."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from playground.conversations.starting import start_runs
from playground.experiments import protocol as experiment_protocol
from playground.experiments.consumer import ExperimentSocketMixin
from playground.runs import protocol, shutdown
from playground.runs.consumer import RunSocketMixin

# Close code for "not signed in" (4000-4999 are for applications); the page shows a sign-in link.
CLOSE_UNAUTHENTICATED = 4401

STARTS = ("run.start", "run.rerun")
RUN_MESSAGES = ("run.cancel", "run.attach")


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
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self.send_json(protocol.socket_error("Messages must be JSON."))
            return
        await self.receive_json(content)
