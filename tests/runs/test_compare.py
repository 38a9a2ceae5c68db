"""Compare mode: one run.start with several columns streams them all at once, as one comparison."""

import pytest
from asgiref.sync import sync_to_async

from playground.runs.models import Run

from .helpers import body, make_member, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_streams_three_columns_concurrently_as_one_comparison(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    columns = [{"provider": provider.public_id, "body": body(model="fake-gpt@tokens=40,delay=20", temperature=t)} for t in (0.2, 0.7, 1.2)]
    await socket.send_json_to({"type": "run.start", "ref": "c1", "columns": columns})
    accepted = await socket.receive_json_from(timeout=10)
    assert accepted["type"] == "run.accepted" and len(accepted["runs"]) == 3
    finished = set()
    started = {}
    while len(finished) < 3:
        frame = await socket.receive_json_from(timeout=10)
        if frame["type"] == "run.started":
            started[frame["run"]] = frame
        if frame["type"] == "run.finished":
            finished.add(frame["run"])
    assert fake_provider.stats["max_concurrent_streams"] >= 3
    runs = await sync_to_async(lambda: list(Run.objects.filter(public_id__in=accepted["runs"]).order_by("column")))()
    assert len({run.comparison for run in runs}) == 1 and runs[0].comparison
    assert [run.column for run in runs] == [0, 1, 2]
    assert [run.request["temperature"] for run in runs] == [0.2, 0.7, 1.2]
    assert {f["comparison"] for f in started.values()} == {runs[0].comparison}
    assert all(run.status == "completed" for run in runs)
    await socket.disconnect()


async def test_it_rejects_a_bad_column_and_starts_none(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await open_socket(cookie)
    columns = [{"provider": provider.public_id, "body": body()}, {"provider": provider.public_id, "body": body(temperature=5)}]
    await socket.send_json_to({"type": "run.start", "ref": "c2", "columns": columns})
    rejected = await socket.receive_json_from(timeout=10)
    assert rejected["type"] == "run.rejected"
    assert list(rejected["errors"]) == ["1"] and "temperature" in rejected["errors"]["1"]
    assert await sync_to_async(Run.objects.count)() == 0
    await socket.disconnect()
