"""`manage.py probeprovider`: probes a stored or shared provider, prints and stores the findings,
asks before a priced probe."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from playground.providers.models import ProbeResult, ProbeStatus
from playground.runs.models import ModelPrice
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def fake_credential(fake_provider):
    workspace = factories.make_team(factories.make_user("olivia"))
    return factories.make_credential(workspace, name="Fake", base_url=fake_provider.base_url, key="sk-test", headers={})


def test_it_probes_a_stored_provider_and_keeps_the_findings(fake_provider):
    credential = fake_credential(fake_provider)
    out = StringIO()

    call_command("probeprovider", credential.public_id, "--model", "fake-gpt@ignore=n", stdout=out)

    result = ProbeResult.objects.get()
    assert (result.workspace, result.status) == (credential.workspace, ProbeStatus.FINISHED)
    assert {f["key"]: f["verdict"] for f in result.findings}["n"] == "ignored"
    assert "ignored  n > 1: 1 choice for n: 2" in out.getvalue()


def test_it_probes_the_local_provider_for_every_workspace(fake_provider, settings):
    settings.LOCAL_MODEL_URL = fake_provider.base_url

    call_command("probeprovider", "local", "--model", "fake-gpt", stdout=StringIO())

    result = ProbeResult.objects.get()
    assert (result.workspace, result.provider_id) == (None, "local")


def test_it_asks_before_a_priced_probe(fake_provider, monkeypatch):
    credential = fake_credential(fake_provider)
    ModelPrice.objects.create(workspace=credential.workspace, pattern="fake-*", input_per_million=Decimal("1"),
                              output_per_million=Decimal("2"))
    monkeypatch.setattr("builtins.input", lambda prompt: "n")

    with pytest.raises(CommandError, match="Not started"):
        call_command("probeprovider", credential.public_id, "--model", "fake-gpt", stdout=StringIO())

    assert not ProbeResult.objects.exists() and not fake_provider.requests


def test_it_names_the_providers_it_knows_when_one_is_missing():
    with pytest.raises(CommandError, match="No provider 'nope'"):
        call_command("probeprovider", "nope", "--model", "m")
