"""The Probe button of a provider: who may see and start a probe, the cost asked about first for a
priced model, the probe running as a task and storing its findings, and Cancel."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from playground.providers.models import ProbeResult, ProbeStatus
from playground.runs import probing
from playground.runs.models import ModelPrice
from tests import factories
from tests.factories import text


def url(name, team_or_workspace, provider_id, *extra):
    workspace = getattr(team_or_workspace, "workspace", team_or_workspace)
    return reverse(f"probe:{name}", args=[workspace.public_id, provider_id, *extra])


def test_it_shows_a_viewer_the_findings_but_no_probe_button(team):
    ProbeResult.objects.create(workspace=team.workspace, provider_id=team.credential.public_id, provider_name="Gateway",
                               model="m", status=ProbeStatus.FINISHED,
                               findings=[{"key": "seed", "verdict": "ignored", "evidence": "other text", "status": None,
                                          "message": None}])

    html = text(team.client("viewer").get(url("panel", team, team.credential.public_id)))
    refused = team.client("viewer").post(url("start", team, team.credential.public_id), {"model": "m"})

    assert "seed (same text after another prompt)" in html and "ignored" in html
    assert ">Probe</button>" not in html
    assert refused.status_code == 403


def test_it_hides_another_workspaces_provider(team):
    response = team.client("outsider").get(url("panel", team, team.credential.public_id))

    assert response.status_code == 404


def test_it_asks_before_probing_a_priced_model(team):
    ModelPrice.objects.create(workspace=team.workspace, pattern="gpt-4o*", input_per_million=Decimal("2.5"),
                              output_per_million=Decimal("10"))

    html = text(team.client("editor").post(url("start", team, team.credential.public_id), {"model": "gpt-4o"}))

    assert "Start probe" in html and "at most about" in html
    assert str(probing.cost_estimate(team.workspace, "gpt-4o").normalize())[:6] in html
    assert not ProbeResult.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_it_probes_and_keeps_the_findings(fake_provider):
    editor, workspace, credential = await sync_to_async(_team_with_fake)(fake_provider)
    client = AsyncClient()
    await client.aforce_login(editor)

    response = await client.post(url("start", workspace, credential.public_id), {"model": "fake-gpt"})
    await asyncio.gather(*probing.ACTIVE.values())
    result = await ProbeResult.objects.aget(provider_id=credential.public_id)
    page = await client.get(url("panel", workspace, credential.public_id))

    assert response.status_code == 200 and "Probing" in text(response)
    assert result.status == ProbeStatus.FINISHED and result.server_model == "fake-gpt"
    assert {f["key"]: f["verdict"] for f in result.findings}["n"] == "honoured"
    assert 'data-probe-key="unknown_model"' in text(page) and "Probing" not in text(page)


@pytest.mark.django_db(transaction=True)
async def test_it_stops_a_probe_on_cancel(fake_provider):
    editor, workspace, credential = await sync_to_async(_team_with_fake)(fake_provider)
    client = AsyncClient()
    await client.aforce_login(editor)

    await client.post(url("start", workspace, credential.public_id), {"model": "fake-gpt@ttft=300"})
    result = await ProbeResult.objects.aget(provider_id=credential.public_id)
    await client.post(url("cancel", workspace, credential.public_id, result.public_id))
    await asyncio.gather(*probing.ACTIVE.values())
    await result.arefresh_from_db()

    assert result.status == ProbeStatus.CANCELLED
    assert result.requests < 10


def _team_with_fake(fake_provider):
    owner, editor = factories.make_user("olivia"), factories.make_user("eddie")
    workspace = factories.make_team(owner, editor)
    credential = factories.make_credential(workspace, name="Fake", base_url=fake_provider.base_url, key="sk-test", headers={})
    return editor, workspace, credential


def test_it_shows_a_probe_left_by_a_stopped_process_as_interrupted(team):
    result = ProbeResult.objects.create(workspace=team.workspace, provider_id=team.credential.public_id,
                                        provider_name="Gateway", model="m",
                                        findings=[{"key": "n", "verdict": "ignored", "evidence": "1 choice", "status": None,
                                                   "message": None}])
    ProbeResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - timedelta(hours=1))

    html = text(team.client("editor").get(url("panel", team, team.credential.public_id)))

    assert "interrupted" in html and "every 1s" not in html and ">Probe</button>" in html
    assert ProbeResult.objects.latest_known(team.workspace, team.credential.public_id) == result
