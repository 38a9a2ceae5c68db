"""Twisted's TCP writes sent at once when nothing waits to go out (Daphne runs on Twisted).

Twisted buffers every write and sends it when the event loop next reports the socket writable: per
websocket frame, the socket's writer is registered with the loop, called back through Twisted's
logging context and unregistered again, about a twentieth of the relay's CPU at 100 streams. With
`eager_writes()` installed (playground/server.py does, before Daphne starts), a TCP connection's
write goes straight to the socket when its buffers are empty; what the socket does not take (a full
send buffer) is buffered as before, so the order of bytes and the flow control stay Twisted's own.
Errors are left to the buffered path, which meets them on its next send and closes the connection
as usual.
"""

from twisted.internet import abstract, tcp


def eager_writes() -> None:
    buffered = abstract.FileDescriptor.write
    if getattr(buffered, "eager", False):
        return

    def write(self, data: bytes) -> None:
        if (data and type(data) is bytes and isinstance(self, tcp.Connection) and self.connected
                and not self.disconnecting and not self._writeDisconnected
                and not self._tempDataBuffer and self.offset == len(self.dataBuffer)):
            try:
                sent = self.socket.send(data)
            except OSError:
                sent = 0  # would block, or an error the buffered path meets and reports
            if sent == len(data):
                return
            data = data[sent:]
        buffered(self, data)

    write.eager = True
    abstract.FileDescriptor.write = write
