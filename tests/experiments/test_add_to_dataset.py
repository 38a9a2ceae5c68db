""""Add to dataset": a run's (or the playground's) variable values become a row of a chosen or a new
dataset, the run's answer optionally its expected value; the page after says what was added and
links to the dataset. Access for an owner, an editor, a viewer and an outsider."""

import pytest
from django.urls import reverse

from playground.conversations.models import Conversation
from playground.experiments.models import Dataset
from playground.runs import store
from playground.runs.models import Run
from playground.teams.access import personal_workspace
from tests.factories import client_for, in_workspace

from .helpers import make_dataset

pytestmark = pytest.mark.django_db

ROLES = ("owner", "editor", "viewer", "outsider")


@pytest.fixture
def run(team):
    session = Conversation.objects.create(workspace=team.workspace, author=team.owner, title="Capitals", visibility="workspace")
    return Run.objects.create(conversation=session, author=team.owner, provider_name="Fake", model="m",
                              request={"model": "m", "messages": [{"role": "user", "content": "Capital of Peru?"}]},
                              status="completed", choices=[{"index": 0, "content": "Lima.", "finish_reason": "stop"}],
                              template=[{"role": "user", "content": "Capital of {{country}}?"}], variables={"country": "Peru"})


def client(team, role):
    return in_workspace(client_for(getattr(team, role)), team.workspace) if role != "outsider" else client_for(team.outsider)


def test_it_adds_the_runs_values_and_its_answer_to_a_new_dataset(team, run):
    c = client(team, "editor")
    page = c.get(reverse("experiments:add_run_to_dataset", args=[run.public_id])).content.decode()
    assert "Peru" in page and "Lima." in page and 'name="use_answer"' in page
    done = c.post(reverse("experiments:add_run_to_dataset", args=[run.public_id]), {"new_name": "Capitals", "use_answer": "1"})
    dataset = Dataset.objects.get(name="Capitals")
    row = dataset.rows.get()
    assert row.values == {"country": "Peru", "expected": "Lima."}
    assert dataset.columns == ["country", "expected"] and dataset.workspace == team.workspace
    assert done.status_code == 302 and done.url == reverse("experiments:dataset_row_added", args=[dataset.public_id, row.public_id])
    shown = c.get(done.url).content.decode()
    assert "Added to “Capitals”" in shown and "Row 1" in shown and "Peru" in shown and "Lima." in shown
    assert f'{reverse("experiments:dataset", args=[dataset.public_id])}?page=1#drow-{row.public_id}' in shown


def test_it_appends_to_a_chosen_dataset_adding_missing_columns(team, run):
    dataset = make_dataset(team.owner, team.workspace, rows=2)
    c = client(team, "owner")
    c.post(reverse("experiments:add_run_to_dataset", args=[run.public_id]), {"dataset": dataset.public_id, "expected": "Lima"})
    dataset.refresh_from_db()
    assert dataset.columns == ["question", "expected", "country"]
    last = dataset.rows.order_by("position").last()
    assert last.values == {"country": "Peru", "expected": "Lima"} and dataset.rows.count() == 3
    assert "Row 3" in c.get(reverse("experiments:dataset_row_added", args=[dataset.public_id, last.public_id])).content.decode()


def test_it_keeps_what_was_typed_when_the_answer_and_a_typed_value_are_both_given(team, run):
    response = client(team, "owner").post(reverse("experiments:add_run_to_dataset", args=[run.public_id]),
                                          {"new_name": "Mine", "use_answer": "1", "expected": "Typed"})
    html = response.content.decode()
    assert response.status_code == 422 and "not both" in html
    assert ">Typed</textarea>" in html and 'value="Mine"' in html and "checked" in html
    assert not Dataset.objects.filter(name="Mine").exists()


def test_it_refuses_a_dataset_it_does_not_offer(team, run):
    elsewhere = make_dataset(team.outsider, personal_workspace(team.outsider))
    response = client(team, "owner").post(reverse("experiments:add_run_to_dataset", args=[run.public_id]),
                                          {"dataset": elsewhere.public_id})
    assert response.status_code == 422 and elsewhere.rows.count() == 3


def test_a_run_without_variables_has_nothing_to_add(team, run):
    run.variables, run.template = None, None
    run.save()
    response = client(team, "owner").post(reverse("experiments:add_run_to_dataset", args=[run.public_id]), {"new_name": "X"})
    assert response.status_code == 422 and "no variables" in response.content.decode()


def test_the_run_frames_name_the_variables_for_the_card(run):
    assert store.snapshot_frame(run)["variables"] == ["country"]
    run.variables = None
    assert store.snapshot_frame(run)["variables"] == []


@pytest.mark.parametrize("role", ROLES)
def test_access(team, run, role):
    c = client(team, role)
    url = reverse("experiments:add_run_to_dataset", args=[run.public_id])
    changes = {"owner": 302, "editor": 302, "viewer": 403, "outsider": 404}
    assert c.get(url).status_code == {**changes, "owner": 200, "editor": 200}[role]
    assert c.post(url, {"new_name": f"By {role}", "use_answer": "1"}).status_code == changes[role]
    assert Dataset.objects.filter(workspace=team.workspace, name=f"By {role}").exists() == (role in ("owner", "editor"))

    # The boxes of the playground add to the current workspace: an outsider's is their own.
    boxes = reverse("experiments:add_values_to_dataset")
    response = c.post(boxes, {"confirm": "1", "variables.country": "Chile", "new_name": f"Boxes of {role}"})
    assert response.status_code == {**changes, "outsider": 302}[role]
    added = Dataset.objects.filter(name=f"Boxes of {role}").first()
    if role == "outsider":
        assert added.workspace == personal_workspace(team.outsider)
    else:
        assert (added is not None) == (role != "viewer") and (added is None or added.workspace == team.workspace)

    # What was added: every member sees it, an outsider finds nothing.
    dataset = make_dataset(team.owner, team.workspace, rows=1, name="Shown")
    row = dataset.rows.get()
    shown = c.get(reverse("experiments:dataset_row_added", args=[dataset.public_id, row.public_id]))
    assert shown.status_code == {"owner": 200, "editor": 200, "viewer": 200, "outsider": 404}[role]


def test_the_boxes_need_a_value_in_each(team):
    c = client(team, "owner")
    response = c.post(reverse("experiments:add_values_to_dataset"), {"confirm": "1", "variables.country": "", "new_name": "Empty"})
    assert response.status_code == 422 and "“country” has no value" in response.content.decode()
    assert not Dataset.objects.filter(name="Empty").exists()
