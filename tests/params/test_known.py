"""The panel's warnings before a run: each option's slot says what the chosen provider's latest
probe found it ignores or rejects, with the evidence; nothing for what it honours."""

import re

from django.urls import reverse

from playground.providers.models import ProbeResult, ProbeStatus
from tests.factories import client_for, text

FINDINGS = [
    {"key": "seed", "verdict": "ignored", "evidence": "the same seed gave other text", "status": None, "message": None},
    {"key": "developer_role", "verdict": "rejected", "evidence": "HTTP 500", "status": 500,
     "message": "Input should be 'system'"},
    {"key": "top_logprobs_alone", "verdict": "rejected", "evidence": "HTTP 400", "status": 400, "message": "needs logprobs"},
    {"key": "n", "verdict": "honoured", "evidence": "2 choices for n: 2", "status": None, "message": None},
]


def slot(html: str, name: str) -> str:
    return re.search(rf'<div class="param-known" id="known-{name}" hx-swap-oob="true">(.*?)</div>', html, re.S).group(1)


def known(team, provider_id: str, who: str = "editor") -> str:
    client = client_for(getattr(team, who), team.workspace)
    return text(client.get(reverse("params:known"), {"provider": provider_id}))


def probed(workspace, provider_id: str, findings=FINDINGS, **fields) -> ProbeResult:
    return ProbeResult.objects.create(workspace=workspace, provider_id=provider_id, provider_name="Gateway",
                                      model="m", server_model="served-m", status=ProbeStatus.FINISHED,
                                      findings=findings, **fields)


def test_it_marks_ignored_and_rejected_options_with_the_evidence(team):
    probed(team.workspace, team.credential.public_id)

    html = known(team, team.credential.public_id)

    assert "ignored" in slot(html, "seed") and "the same seed gave other text" in slot(html, "seed")
    assert "rejected" in slot(html, "messages") and "Input should be" in slot(html, "messages")
    assert "served-m" in slot(html, "seed")
    assert slot(html, "n").strip() == ""
    # The panel itself refuses top_logprobs without logprobs: no warning for that.
    assert slot(html, "top_logprobs").strip() == ""


def test_it_empties_every_slot_for_a_provider_never_probed(team):
    probed(team.workspace, "some-other-provider")

    html = known(team, team.credential.public_id)

    assert slot(html, "seed").strip() == ""


def test_it_shows_a_shared_providers_findings_in_every_workspace(team, settings):
    settings.OPENAI_API_KEY = "sk-env"
    probed(None, "default")

    assert "ignored" in slot(known(team, "default"), "seed")


def test_it_keeps_another_workspaces_findings_out(team):
    other = probed(team.workspace, team.credential.public_id)
    html = known(team, team.credential.public_id, who="outsider")

    assert other.findings and slot(html, "seed").strip() == ""
