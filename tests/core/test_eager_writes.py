"""Twisted's TCP writes go straight to the socket when nothing waits to go out, and are buffered
behind what does (order kept) or when the socket takes no more (flow control kept)."""

import socket

import pytest
from twisted.internet import abstract, tcp
from twisted.internet.protocol import Protocol

from playground.eager_writes import eager_writes


class Reactor:
    """Only what a connection asks of its reactor when writing: which sockets want writing."""

    def __init__(self):
        self.writers = set()

    def addWriter(self, writer):
        self.writers.add(writer)

    def removeWriter(self, writer):
        self.writers.discard(writer)


@pytest.fixture
def connection(monkeypatch):
    monkeypatch.setattr(abstract.FileDescriptor, "write", abstract.FileDescriptor.write)  # put back afterwards
    eager_writes()
    ours, theirs = socket.socketpair()
    reactor = Reactor()
    connection = tcp.Connection(ours, Protocol(), reactor)
    connection.connected = True
    theirs.settimeout(5)
    yield connection, theirs, reactor
    ours.close()
    theirs.close()


def received(peer: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += peer.recv(size - len(data))
    return data


def test_a_write_with_nothing_waiting_is_sent_at_once(connection):
    connection, peer, reactor = connection
    connection.write(b"frame one")
    assert received(peer, 9) == b"frame one"
    assert reactor.writers == set()  # the loop was never asked to report the socket writable


def test_a_write_behind_waiting_bytes_waits_its_turn(connection):
    connection, peer, reactor = connection
    connection._tempDataBuffer.append(b"first ")
    connection._tempDataLen += 6
    connection.write(b"second")
    assert reactor.writers == {connection}
    peer.setblocking(False)
    with pytest.raises(BlockingIOError):
        peer.recv(100)  # nothing jumped the queue
    connection.doWrite()
    peer.setblocking(True)
    assert received(peer, 12) == b"first second"
    assert reactor.writers == set()


def test_what_a_full_socket_does_not_take_is_buffered_in_order(connection):
    connection, peer, reactor = connection
    big = bytes(range(256)) * 40_000  # 10 MB: more than the socket buffers hold
    connection.write(big)
    assert reactor.writers == {connection}
    connection.write(b"after")
    got = b""
    peer.setblocking(True)
    while len(got) < len(big) + 5:
        got += peer.recv(1 << 20)
        if connection in reactor.writers:
            connection.doWrite()
    assert got == big + b"after"
    assert reactor.writers == set()


def test_a_closing_connection_keeps_twisted_s_own_path(connection):
    connection, peer, reactor = connection
    connection.disconnecting = True
    connection.write(b"late")
    assert reactor.writers == {connection}
