"""Costs from usage and the workspace's prices per model."""

from decimal import Decimal

import pytest
from django.urls import reverse

from playground.runs.models import ModelPrice
from playground.runs.pricing import cost_for

from tests.factories import client_for, make_run, make_session, make_user

pytestmark = pytest.mark.django_db
USAGE = {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}


def test_it_prices_a_run_with_the_most_specific_pattern():
    alice = make_user("alice")
    session = make_session(alice)
    ModelPrice.objects.create(workspace=session.workspace, pattern="gpt-4o*", input_per_million=Decimal("2.5"), output_per_million=Decimal("10"))
    ModelPrice.objects.create(workspace=session.workspace, pattern="gpt-4o-mini*", input_per_million=Decimal("0.15"), output_per_million=Decimal("0.6"))
    assert cost_for(make_run(session, model="gpt-4o-2024-08-06", usage=USAGE)) == Decimal("0.0075")
    assert cost_for(make_run(session, model="GPT-4o-mini", usage=USAGE)) == Decimal("0.00045")
    assert cost_for(make_run(session, model="o3", usage=USAGE)) is None
    assert cost_for(make_run(session, model="gpt-4o", usage=None)) is None


def test_it_edits_prices_in_the_settings_page():
    alice = make_user("alice")
    client = client_for(alice)
    response = client.post(reverse("runs:prices"), {"pattern": "GPT-4o*", "input_per_million": "2.5", "output_per_million": "10"})
    assert response.status_code == 302
    price = ModelPrice.objects.get()
    assert price.pattern == "gpt-4o*"
    duplicate = client.post(reverse("runs:prices"), {"pattern": "gpt-4o*", "input_per_million": "1", "output_per_million": "-1"})
    assert duplicate.status_code == 422
    assert "already has a price" in duplicate.content.decode() and "cannot be negative" in duplicate.content.decode()
    assert "gpt-4o*" in client.get(reverse("runs:prices")).content.decode()
    client.post(reverse("runs:delete_price", args=[price.public_id]))
    assert not ModelPrice.objects.exists()


def test_it_serves_a_runs_cost():
    alice = make_user("alice")
    session = make_session(alice)
    ModelPrice.objects.create(workspace=session.workspace, pattern="fake-gpt", input_per_million=1, output_per_million=2)
    run = make_run(session, usage=USAGE)
    assert client_for(alice).get(reverse("runs:run_cost", args=[run.public_id])).json()["cost"] == "0.002000"


def test_it_keeps_another_workspaces_prices_apart():
    alice, bob = make_user("alice"), make_user("bob")
    price = ModelPrice.objects.create(workspace=make_session(alice).workspace, pattern="x", input_per_million=1, output_per_million=1)
    client = client_for(bob)
    assert "<code>x</code>" not in client.get(reverse("runs:prices")).content.decode()
    assert client.post(reverse("runs:delete_price", args=[price.public_id])).status_code == 404
