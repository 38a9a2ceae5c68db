"""A watching socket sends an experiment's numbered events in order, though the channel layer may
deliver events sent within one instant out of order (channels-redis does); a lost one makes the page
resync, and nothing is sent twice."""

import asyncio

import pytest

from playground.experiments import consumer as experiment_consumer
from playground.experiments.consumer import ExperimentSocketMixin

pytestmark = pytest.mark.asyncio


class Socket(ExperimentSocketMixin):
    def __init__(self):
        self.init_experiments()
        self.sent = []

    async def send_json(self, frame):
        self.sent.append(frame)


def event(seq, epoch="e1"):
    return {"seq": seq, "epoch": epoch, "frame": {"type": "experiment.cell", "experiment": "X", "n": seq}}


async def deliver(socket, *events):
    for item in events:
        for ready in socket._in_order("X", item):
            await socket.send_json(ready["frame"])


async def test_events_that_overtake_each_other_go_out_in_order():
    socket = Socket()
    await deliver(socket, event(0), event(2), event(1), event(4), event(3))
    assert [frame["n"] for frame in socket.sent] == [0, 1, 2, 3, 4]


async def test_a_lost_event_makes_the_page_resync_then_the_held_ones_follow(monkeypatch):
    monkeypatch.setattr(experiment_consumer, "REORDER_WAIT", 0.05)
    socket = Socket()
    await deliver(socket, event(0), event(2), event(3))
    assert [frame["n"] for frame in socket.sent] == [0]
    await asyncio.sleep(0.2)
    assert [frame.get("n", frame["type"]) for frame in socket.sent] == [0, "experiment.resync", 2, 3]
    await deliver(socket, event(1), event(4))  # the lost one, late: not sent twice out of order
    assert [frame.get("n", frame["type"]) for frame in socket.sent][-1] == 4
    assert [frame.get("n") for frame in socket.sent].count(1) == 0


async def test_a_new_driver_counts_again_from_zero():
    socket = Socket()
    await deliver(socket, event(0), event(1), event(0, epoch="e2"), event(1, epoch="e2"))
    assert [frame["n"] for frame in socket.sent] == [0, 1, 0, 1]
