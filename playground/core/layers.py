"""The in-memory channel layer (one process, no REDIS_URL), made cheaper per message.

channels' InMemoryChannelLayer walks every channel and every group membership looking for expired
messages on each send and receive, and group_send starts a task per member. With a frame per
streamed delta, that walk grows with the number of open sockets and was a large share of the
relay's CPU. Here the walk runs at most once a second and group sends are done in place (an
in-memory send never waits). Semantics are otherwise unchanged: capacity, expiry, ChannelFull.
"""

import time

from channels import layers
from channels.exceptions import ChannelFull

CLEAN_INTERVAL = 1.0


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_INTERVAL:
            return
        self._cleaned_at = now
        super()._clean_expired()

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass  # as channels does: a full channel misses the message (sockets recover it)
