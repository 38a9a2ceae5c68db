"""GET /metrics: what it counts after real runs, and who may read it."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from tests.runs.helpers import body, frames_until_end, make_member, open_socket, start

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-token-0123456789"


def scrape(**headers) -> dict:
    """Every sample of this process as {(name, sorted labels): value}."""
    response = Client().get("/metrics", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@override_settings(DEBUG=True, METRICS_TOKEN="")
async def run_and_scrape(fake_provider, model: str, username: str) -> tuple[dict, dict, list]:
    before = await sync_to_async(scrape)()
    user, workspace, provider, cookie = await make_member(username, fake_provider)
    socket = await open_socket(cookie)
    accepted = await start(socket, provider, body(model=model))
    frames = await frames_until_end(socket, accepted["runs"][0])
    await socket.disconnect()
    after = await sync_to_async(scrape)()
    return before, after, frames


def grew(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0) - before.get(key, 0)


async def test_it_counts_a_finished_run_with_its_first_token_and_relay_delays(fake_provider):
    before, after, frames = await run_and_scrape(fake_provider, "fake-gpt@tokens=20", "alice")
    deltas = sum(1 for f in frames if f["type"] == "run.delta")
    assert grew(before, after, "playground_runs_started_total") == 1
    assert grew(before, after, "playground_runs_finished_total", status="completed") == 1
    assert grew(before, after, "playground_time_to_first_token_seconds_count") == 1
    # The last delta may go out in the final flush, which is not timed.
    assert deltas - 1 <= grew(before, after, "playground_relay_delay_seconds_count") <= deltas
    assert after[("playground_active_streams", ())] == 0


async def test_it_counts_provider_errors_by_status(fake_provider):
    before, after, frames = await run_and_scrape(fake_provider, "fake-gpt@fault=401", "bob")
    assert frames[-1]["type"] == "run.error"
    assert grew(before, after, "playground_runs_finished_total", status="failed") == 1
    assert grew(before, after, "playground_provider_errors_total", status="401", kind="http") == 1


@override_settings(DEBUG=True, METRICS_TOKEN="")
def test_it_answers_loopback_in_debug_without_a_token():
    assert Client().get("/metrics").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


@override_settings(DEBUG=False, METRICS_TOKEN="")
def test_it_is_not_there_in_production_without_a_token():
    assert Client().get("/metrics").status_code == 404


@override_settings(DEBUG=False, METRICS_TOKEN=TOKEN)
def test_it_wants_the_bearer_token_when_one_is_set():
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert Client().get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


@override_settings(DEBUG=False, METRICS_TOKEN=TOKEN)
def test_it_refuses_other_methods():
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
