"""Running an experiment through the page socket: every cell an ordinary run, started once, under the
per-provider limit, streamed to watchers, judged by its checks; stop all; re-run failures; a driver
that died is replaced."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from playground.experiments import cells as cell_store
from playground.experiments import scheduler
from playground.experiments.models import Cell, CellState, Experiment
from playground.runs.models import Run, Status
from tests.runs.helpers import TIMEOUT, make_member, open_socket

from .helpers import cells_of, collect_until_idle, make_experiment

pytestmark = pytest.mark.django_db(transaction=True)


async def watch(socket, experiment):
    rows = await sync_to_async(lambda: list(experiment.rows.values_list("public_id", flat=True)))()
    await socket.send_json_to({"type": "experiment.watch", "ref": "w", "experiment": experiment.public_id, "rows": rows})
    state = await socket.receive_json_from(timeout=TIMEOUT)
    assert state["type"] == "experiment.state", state
    return state


async def run_all(socket, experiment, **extra):
    await socket.send_json_to({"type": "experiment.run", "ref": "r", "experiment": experiment.public_id, **extra})


async def test_it_runs_every_cell_once_under_the_limit_and_streams_them(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(
        user, provider, rows=5, models=("fake-gpt@delay=10", "fake-gpt@tokens=8,delay=10"),
        checks=[("contains", {"text": "the", "case_sensitive": False}), ("tokens", {"max": 30})])
    await sync_to_async(Experiment.objects.filter(pk=experiment.pk).update)(concurrency={provider.public_id: 3})
    socket = await open_socket(cookie)
    await watch(socket, experiment)
    await run_all(socket, experiment)
    frames = await collect_until_idle(socket, experiment.public_id)
    accepted = next(f for f in frames if f["type"] == "experiment.accepted")
    assert accepted["queued"] == 10
    cells = await cells_of(experiment)
    assert [cell.state for cell in cells] == [CellState.DONE] * 10
    runs = await sync_to_async(lambda: list(Run.objects.filter(conversation=experiment.conversation)))()
    assert len(runs) == 10 and all(run.scheduled and run.status == Status.COMPLETED for run in runs)
    assert {cell.run_id for cell in cells} == {run.pk for run in runs}  # each cell ran once
    assert fake_provider.stats["max_concurrent_streams"] <= 3
    # The page saw each cell's text grow (from its offset 0 on, in order) and its finished HTML.
    texts = {}
    for frame in frames:
        if frame["type"] == "experiment.text":
            for cell_id, (offset, piece) in frame["cells"].items():
                assert offset == len(texts.get(cell_id, ""))
                texts[cell_id] = texts.get(cell_id, "") + piece
    by_cell = {cell.public_id: cell for cell in cells}
    assert texts and set(texts) <= set(by_cell)  # a cell may end between two samples of the text
    assert all(by_cell[c].run.choices[0]["content"].startswith(text) for c, text in texts.items())
    assert not [f for f in frames if f["type"].startswith("run.")]  # the grid does not follow run frames
    numbered = [f for f in frames if f["type"] == "experiment.resync"]
    assert numbered == []
    # The last progress frame may overtake the last cell's frame (both leave within a moment).
    while len([f for f in frames if f["type"] == "experiment.cell" and f["state"] == "done"]) < 10:
        frames.append(await socket.receive_json_from(timeout=TIMEOUT))
    done = [f for f in frames if f["type"] == "experiment.cell" and f["state"] == "done"]
    assert len(done) == 10 and all("xcell" in f["html"] for f in done)
    assert all("control" not in f for f in frames if f["type"] == "experiment.cell")
    # Checks judged every answer; the short variant fails the tokens check less.
    for cell in cells:
        assert set(cell.checks) == {f"c{pk}" for pk in await sync_to_async(lambda: list(experiment.checks.values_list("pk", flat=True)))()}
        assert cell.passed is not None
    # The runs keep the template and the row's values.
    run = cells[0].run
    assert run.template == [{"role": "user", "content": "{{question}}"}]
    assert run.variables == {"question": cells[0].row.values["question"]}
    assert run.request["messages"] == [{"role": "user", "content": cells[0].row.values["question"]}]
    experiment = await sync_to_async(Experiment.objects.get)(pk=experiment.pk)
    assert experiment.driver == "" and experiment.batch_finished_at is not None
    await socket.disconnect()


async def test_stop_all_cancels_running_cells_and_unqueues_the_rest_then_failures_rerun(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(user, provider, rows=4, models=("fake-gpt@tokens=400,delay=20",))
    await sync_to_async(Experiment.objects.filter(pk=experiment.pk).update)(concurrency={provider.public_id: 2})
    socket = await open_socket(cookie)
    await watch(socket, experiment)
    await run_all(socket, experiment)
    while True:
        frame = await socket.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == "experiment.text":
            break
    await socket.send_json_to({"type": "experiment.stop", "ref": "s", "experiment": experiment.public_id})
    await collect_until_idle(socket, experiment.public_id)
    states = sorted(cell.state for cell in await cells_of(experiment))
    assert states == ["cancelled", "cancelled", "idle", "idle"]
    runs = await sync_to_async(lambda: list(Run.objects.filter(conversation=experiment.conversation).values_list("status", flat=True)))()
    assert sorted(runs) == ["cancelled", "cancelled"]

    # "Re-run failed" takes the stopped ones (not the never-run ones); their old runs are kept.
    await sync_to_async(Experiment.objects.filter(pk=experiment.pk).update)(concurrency={provider.public_id: 4})
    await sync_to_async(lambda: experiment.variants.update(options={"model": "fake-gpt@tokens=5", "stream": True}))()
    await sync_to_async(Cell.objects.filter(experiment=experiment, state="cancelled").update)(state="failed")
    await run_all(socket, experiment, scope="failed")
    frames = await collect_until_idle(socket, experiment.public_id)
    assert next(f for f in frames if f["type"] == "experiment.accepted")["queued"] == 2
    # The stopped driver's last progress frame ("nothing active") may come after the reply to the
    # re-run: the re-run's cells still end done, soon after.
    for _ in range(150):
        cells = await cells_of(experiment)
        if not {cell.state for cell in cells} & {"queued", "running"}:
            break
        await asyncio.sleep(0.1)
    assert sorted(cell.state for cell in cells) == ["done", "done", "idle", "idle"]
    assert all(len(cell.earlier_runs) == 1 for cell in cells if cell.state == "done")
    await socket.disconnect()


async def test_a_rate_limited_cell_waits_and_starts_again(fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 0
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(user, provider, rows=1, models=("fake-gpt@fault=429,times=1,retry_after=1",))
    socket = await open_socket(cookie)
    await watch(socket, experiment)
    await run_all(socket, experiment)
    frames = await collect_until_idle(socket, experiment.public_id)
    [cell] = await cells_of(experiment)
    assert cell.state == CellState.DONE and cell.attempts == 2 and len(cell.earlier_runs) == 1
    queued_again = [f for f in frames if f["type"] == "experiment.cell" and f["state"] == "queued"]
    assert queued_again
    await socket.disconnect()


async def test_a_model_graded_check_runs_its_own_request(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(
        user, provider, rows=2, models=("fake-gpt@tokens=6",),
        checks=[("model_graded", {"rubric": "Is it polite?", "provider": provider.public_id, "model": "fake-gpt"})])
    socket = await open_socket(cookie)
    await watch(socket, experiment)
    await run_all(socket, experiment)
    await collect_until_idle(socket, experiment.public_id)
    cells = await cells_of(experiment)
    key = next(iter(cells[0].checks))
    for cell in cells:
        assert cell.state == CellState.DONE
        result = cell.checks[key]
        assert result["passed"] in (True, False) and result["run"] and not result.get("pending")
        grader = await sync_to_async(Run.objects.get)(public_id=result["run"])
        assert grader.request["response_format"]["type"] == "json_schema"
        assert "Is it polite?" in grader.request["messages"][1]["content"]
    await socket.disconnect()


async def test_a_driver_that_died_is_replaced_and_nothing_runs_twice(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(user, provider, rows=3, models=("fake-gpt",))
    stale = timezone.now() - timedelta(minutes=5)

    @sync_to_async
    def leave_it_as_a_dead_process_would():
        cells = list(Cell.objects.filter(experiment=experiment).order_by("row__position"))
        Cell.objects.filter(pk=cells[0].pk).update(state=CellState.RUNNING)  # claimed, never started
        Cell.objects.filter(pk__in=[c.pk for c in cells[1:]]).update(state=CellState.QUEUED)
        Experiment.objects.filter(pk=experiment.pk).update(driver="specific.dead!channel", driver_seen_at=stale,
                                                           run_by=user, batch_started_at=stale, batch_size=3)

    await leave_it_as_a_dead_process_would()
    assert await sync_to_async(cell_store.orphaned_experiments)() == [experiment.public_id]
    from channels.layers import get_channel_layer

    await scheduler.sweep_once(get_channel_layer())
    driver = scheduler.DRIVERS[experiment.public_id]
    await asyncio.wait_for(driver.task, 20)
    cells = await cells_of(experiment)
    assert [cell.state for cell in cells] == [CellState.DONE] * 3
    assert await sync_to_async(Run.objects.filter(conversation=experiment.conversation).count)() == 3


async def test_a_missing_variable_fails_the_cell_with_the_reason(fake_provider):
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    experiment = await sync_to_async(make_experiment)(user, provider, rows=1, models=("fake-gpt",),
                                                      template=[{"role": "user", "content": "{{question}} in {{language}}"}])
    socket = await open_socket(cookie)
    await watch(socket, experiment)
    await run_all(socket, experiment)
    await collect_until_idle(socket, experiment.public_id)
    [cell] = await cells_of(experiment)
    assert cell.state == CellState.FAILED and "“language”" in cell.error and cell.run is None
    await socket.disconnect()
