"""What the fake provider saw: every request, and the life of every streamed response.

Tests read these to prove what the client sent (byte for byte) and how it behaved on the wire,
e.g. that a cancel closed the upstream stream. Only the server's event loop writes them; other
threads read snapshots.
"""

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class RecordedRequest:
    request_id: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self):
        return json.loads(self.body)

    def as_dict(self) -> dict:
        return {
            "request_id": self.request_id, "method": self.method, "path": self.path, "query": self.query,
            "headers": self.headers, "body": self.body.decode("utf-8", "replace"),
            "body_sha256": hashlib.sha256(self.body).hexdigest(), "received_at": self.received_at,
        }


@dataclass
class StreamRecord:
    """One streamed response; `outcome` is open, completed, client_closed, or fault:<name>."""

    request_id: str
    model: str
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    outcome: str = "open"
    closed_by_client_at: float | None = None


class Observations:
    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self.streams: list[StreamRecord] = []
        self.open_streams = 0
        self.max_concurrent_streams = 0

    def stream_started(self, record: StreamRecord) -> None:
        self.streams.append(record)
        self.open_streams += 1
        self.max_concurrent_streams = max(self.max_concurrent_streams, self.open_streams)

    def stream_ended(self, record: StreamRecord, outcome: str) -> None:
        record.ended_at = time.time()
        record.outcome = outcome
        if outcome == "client_closed":
            record.closed_by_client_at = record.ended_at
        self.open_streams -= 1

    def clear(self) -> None:
        """Forget history; streams still open keep counting towards the gauges."""
        self.requests = []
        self.streams = []
        self.max_concurrent_streams = self.open_streams

    def stats(self) -> dict:
        return {
            "requests": len(self.requests),
            "open_streams": self.open_streams,
            "max_concurrent_streams": self.max_concurrent_streams,
            "streams": [asdict(s) for s in list(self.streams)],
        }
