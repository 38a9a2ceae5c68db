"""A socket mending a gap stops asking once a backlog holds the run's last frame (it used to look
for the frame type in the first 40 characters of the encoded frame, which never held, and so asked
again, and after the task had gone waited 3 s and sent a needless snapshot)."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from playground.core.consumers import PlaygroundConsumer
from playground.runs import protocol

pytestmark = pytest.mark.asyncio


async def watching_socket(layer, run_id: str, control: str) -> tuple[PlaygroundConsumer, list[str]]:
    sent: list[str] = []
    socket = PlaygroundConsumer()
    socket.channel_layer, socket.channel_name = layer, await layer.new_channel()
    socket.scope = {"type": "websocket"}

    async def send(text_data=None, **kwargs):
        sent.append(text_data)

    socket.send = send
    socket.init_runs()
    await socket._subscribe(run_id, after=-1, control=control)
    return socket, sent


def frames(run_id: str, *kinds: str) -> list[str]:
    built = {"run.started": protocol.started({}), "run.delta": protocol.delta([{"index": 0, "content": "Hi"}], 0.1),
             "run.finished": protocol.ended(status="completed", choices=[], usage=None, metrics={}, notices=[], error=None)}
    return [protocol.encode(protocol.numbered(run_id, seq, built[kind])) for seq, kind in enumerate(kinds)]


async def test_a_backlog_with_the_last_frame_ends_watching_without_asking_again():
    layer = get_channel_layer()
    control = await layer.new_channel()
    socket, sent = await watching_socket(layer, "RUN", control)
    await socket._request_backlog("RUN")
    request = await layer.receive(control)
    assert request == protocol.backlog_request("RUN", socket.channel_name, -1, watch=True)

    backlog = frames("RUN", "run.started", "run.delta", "run.finished")
    await socket.run_backlog(protocol.backlog_reply("RUN", backlog, live=True, ended=True))
    assert sent == backlog
    assert "RUN" not in socket.expected  # done watching: no second request, no time-out, no snapshot
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(layer.receive(control), 0.2)
    await socket.close_runs()


async def test_a_backlog_without_the_end_asks_for_more_until_caught_up():
    layer = get_channel_layer()
    control = await layer.new_channel()
    socket, sent = await watching_socket(layer, "RUN", control)
    await socket._request_backlog("RUN")
    await layer.receive(control)
    await socket.run_backlog(protocol.backlog_reply("RUN", frames("RUN", "run.started", "run.delta"), live=True, ended=False))
    assert len(sent) == 2 and socket.expected["RUN"] == 2
    again = await layer.receive(control)
    assert again == protocol.backlog_request("RUN", socket.channel_name, 1, watch=True)
    await socket.close_runs()
