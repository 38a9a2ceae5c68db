"""Server-sent events on raw bytes: the body of a streamed answer cut into (event name, data) pairs.

The WHATWG event-stream format (https://html.spec.whatwg.org/multipage/server-sent-events.html):
UTF-8, lines ending in CRLF, LF or CR, events ending at a blank line, `:` comments, `field: value`
lines of which only `event` and `data` matter here (`id` and `retry` are for reconnecting
browsers), several `data` lines joined with "\\n", and an event the body ends before its blank
line is discarded. This replaces httpx-sse for the provider stream: it split the decoded text
into a str per line and a ServerSentEvent per event, a deep per-chunk stack that profiling showed
to be a large share of relaying a token. Here the body stays bytes: line ends become LF as pieces
arrive, events are cut at blank lines (no byte of a multibyte UTF-8 character is a line end, so a
character split across network reads comes out whole), and a one-line `data:` event, the usual
kind, is sliced with no further splitting. The data stays bytes for the JSON parser.
"""

BOM = b"\xef\xbb\xbf"


class EventReader:
    """Feed it the body's bytes as they arrive; it returns the events completed so far."""

    def __init__(self):
        self._buffer = b""
        self._started = False
        # The last piece ended in CR: an LF starting the next one is the same line end.
        self._after_cr = False

    def feed(self, piece: bytes) -> list[tuple[str, bytes]]:
        """(event name, data) of every event `piece` completed; "" for an unnamed event.

        Events without data (comments, keep-alives, a bare `event:`) are left out."""
        if not piece:
            return []
        if self._after_cr and piece.startswith(b"\n"):
            piece = piece[1:]
        if b"\r" in piece:
            self._after_cr = piece.endswith(b"\r")
            piece = piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        else:
            self._after_cr = False
        buffer = self._buffer + piece if self._buffer else piece
        if not self._started:
            if len(buffer) < len(BOM) and BOM.startswith(buffer):
                self._buffer = buffer
                return []
            self._started = True
            if buffer.startswith(BOM):
                buffer = buffer[len(BOM):]
        if b"\n\n" not in buffer:
            self._buffer = buffer
            return []
        *blocks, self._buffer = buffer.split(b"\n\n")
        events = []
        for block in blocks:
            if block.startswith(b"data: ") and b"\n" not in block:
                events.append(("", block[6:]))  # the usual event: one data line, no name
            elif block:
                event = _parse_block(block)
                if event is not None:
                    events.append(event)
        return events


def _parse_block(block: bytes) -> tuple[str, bytes] | None:
    """The event of one block of lines (no blank line inside), or None when it carries no data."""
    name, data = "", []
    for line in block.split(b"\n"):
        if not line or line.startswith(b":"):
            continue  # an empty line cannot occur here; a colon first is a comment
        field, colon, value = line.partition(b":")
        if colon and value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value.decode("utf-8", "replace")
    if not data:
        return None
    return name, b"\n".join(data)
