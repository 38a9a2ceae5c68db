"""SIGTERM on a real Daphne process: no new runs, running ones finish within the grace or end interrupted."""

import json
import signal

import pytest
from asgiref.sync import sync_to_async

from playground.runs.shutdown import INTERRUPTED_MESSAGE, SHUTDOWN_MESSAGE
from playground.runs.models import Run, Status
from tests.live import ARTIFACTS
from tests.runs.faults import provider_sent
from tests.runs.helpers import body, make_member
from tests.scaleout.cluster import DaphneProcess, Socket

pytestmark = pytest.mark.django_db(transaction=True)


async def start_then_terminate(process: DaphneProcess, fake_provider, model: str) -> tuple[str, dict]:
    """Start a run, let it stream a little, send SIGTERM; return the run id and the answer to a
    run.start sent on a new socket while the process drains."""
    user, workspace, provider, cookie = await make_member("alice", fake_provider)
    socket = await Socket.open(process.url, cookie)
    run_id = await socket.start(provider, body(model=model))
    await socket.frames(3)
    process.process.send_signal(signal.SIGTERM)
    late = await Socket.open(process.url, cookie)
    await late.send({"type": "run.start", "ref": "late", "columns": [{"provider": provider.public_id, "body": body()}]})
    answer = await late.receive()
    return run_id, answer


async def test_it_lets_a_running_run_finish_within_the_grace(django_db_setup, fake_provider):
    with DaphneProcess("grace", {"SHUTDOWN_GRACE": "30"}) as process:
        run_id, answer = await start_then_terminate(process, fake_provider, "fake-gpt@delay=30,tokens=80")
        assert process.process.wait(40) == 0
    assert answer == {"type": "run.rejected", "ref": "late", "message": SHUTDOWN_MESSAGE, "errors": {}}
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == Status.COMPLETED
    assert run.choices[0]["finish_reason"] in ("length", "stop")
    assert run.choices[0]["content"] == provider_sent(body(model="fake-gpt@delay=30,tokens=80"))


async def test_it_stores_runs_still_streaming_after_the_grace_as_interrupted(django_db_setup, fake_provider):
    with DaphneProcess("nograce", {"SHUTDOWN_GRACE": "1"}) as process:
        run_id, answer = await start_then_terminate(process, fake_provider, "fake-gpt@delay=40,tokens=1000")
        assert process.process.wait(30) == 0
    assert answer["type"] == "run.rejected"
    run = await sync_to_async(Run.objects.get)(public_id=run_id)
    assert run.status == Status.INTERRUPTED
    assert run.choices[0]["content"]
    # What arrived before the grace ran out, once.
    assert provider_sent(body(model="fake-gpt@delay=40,tokens=1000")).startswith(run.choices[0]["content"])
    assert run.error["message"] == INTERRUPTED_MESSAGE


async def test_it_writes_json_log_lines_with_run_ids(django_db_setup, fake_provider):
    with DaphneProcess("jsonlog", {"LOG_FORMAT": "json"}) as process:
        user, workspace, provider, cookie = await make_member("alice", fake_provider)
        socket = await Socket.open(process.url, cookie)
        run_id = await socket.start(provider, body(model="fake-gpt@tokens=5"))
        await socket.frames_until_end()
        await socket.close()
    lines = (ARTIFACTS / f"daphne-jsonlog-{process.port}.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    assert {"run_id": run_id, "status": "completed", "message": f"run {run_id} completed"}.items() <= next(
        e for e in entries if e.get("run_id") == run_id).items()
