"""Every experiment and dataset view, and every socket action, for an owner, an editor, a viewer and an
outsider: members read, editors change, viewers review (rate, judge, fork), outsiders get 404."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from playground.experiments import building
from playground.experiments.models import Cell, Dataset, DatasetRow, Experiment
from playground.runs.models import Run
from tests.factories import client_for, in_workspace, make_credential
from tests.runs.helpers import TIMEOUT, open_socket

from .helpers import make_dataset

ROLES = ("owner", "editor", "viewer", "outsider")


@pytest.fixture
def setup(team):
    workspace = team.workspace
    dataset = make_dataset(team.owner, workspace, rows=2)
    provider = team.credential
    experiment = building.create_experiment(
        team.owner, workspace, title="Team experiment", dataset=dataset,
        variants=[{"provider_id": provider.public_id, "provider_name": provider.name, "options": {"model": "m", "stream": True}},
                  {"provider_id": provider.public_id, "provider_name": provider.name, "options": {"model": "n", "stream": True}}])
    cell = Cell.objects.filter(experiment=experiment).select_related("row", "variant").first()
    run = Run.objects.create(conversation=experiment.conversation, author=team.owner, provider_name="P", model="m",
                             request={"model": "m", "messages": [{"role": "user", "content": "q"}]}, status="completed",
                             choices=[{"index": 0, "content": "an answer", "finish_reason": "stop"}], scheduled=True,
                             template=[{"role": "user", "content": "{{question}}"}], variables={"question": "q"})
    Cell.objects.filter(experiment=experiment).update(state="done", run=run)
    return {"team": team, "experiment": experiment, "dataset": dataset, "cell": cell, "run": run}


def client(team, role):
    return in_workspace(client_for(getattr(team, role)), team.workspace) if role != "outsider" else client_for(team.outsider)


def expect(role, status_by_role, response):
    assert response.status_code == status_by_role[role], (role, response.status_code, response.content[:300])


READ = {"owner": 200, "editor": 200, "viewer": 200, "outsider": 404}
WRITE_GET = {"owner": 200, "editor": 200, "viewer": 403, "outsider": 404}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_reading_views(setup, role):
    e, d, cell = setup["experiment"], setup["dataset"], setup["cell"]
    c = client(setup["team"], role)
    for url in (reverse("experiments:page", args=[e.public_id]), reverse("experiments:grid", args=[e.public_id]),
                reverse("experiments:summary", args=[e.public_id]), reverse("experiments:cell", args=[e.public_id, cell.public_id]),
                reverse("experiments:blind", args=[e.public_id]), reverse("experiments:export_json", args=[e.public_id]),
                reverse("experiments:export_csv", args=[e.public_id]), reverse("experiments:dataset", args=[d.public_id]),
                reverse("experiments:dataset_export_csv", args=[d.public_id]), reverse("experiments:dataset_export_jsonl", args=[d.public_id]),
                reverse("conversation", args=[e.conversation.public_id])):
        response = c.get(url)
        if url.endswith(f"/s/{e.conversation.public_id}/") and role != "outsider":
            assert response.status_code == 302 and response["Location"] == reverse("experiments:page", args=[e.public_id])
            continue
        expect(role, READ, response)
    assert c.get(reverse("experiments:list")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_changing_an_experiment(setup, role):
    e, team = setup["experiment"], setup["team"]
    c = client(team, role)
    expect(role, WRITE_GET, c.get(reverse("experiments:setup", args=[e.public_id])))
    changed = {"owner": 302, "editor": 302, "viewer": 403, "outsider": 404}
    messages = json.dumps([{"role": "user", "content": "Q: {{question}}"}])
    expect(role, changed, c.post(reverse("experiments:save_template", args=[e.public_id]), {"title": "Renamed", "messages": messages}))
    expect(role, changed, c.post(reverse("experiments:variant_new", args=[e.public_id]),
                                 {"provider": team.credential.public_id, "model": "x", "temperature": "0.5"}))
    expect(role, changed, c.post(reverse("experiments:check_new", args=[e.public_id]), {"kind": "contains", "text": "a"}))
    expect(role, changed, c.post(reverse("experiments:concurrency", args=[e.public_id]), {f"limit_{team.credential.public_id}": "6"}))
    expect(role, changed, c.post(reverse("experiments:add_rows", args=[e.public_id])))
    variant = e.variants.first()
    expect(role, changed, c.post(reverse("experiments:variant_duplicate", args=[e.public_id, variant.public_id])))
    expect(role, WRITE_GET, c.get(reverse("experiments:share", args=[e.public_id])))
    expect(role, changed, c.post(reverse("experiments:revoke", args=[e.public_id])))
    if role in ("owner", "editor"):
        e.refresh_from_db()
        assert e.template == [{"role": "user", "content": "Q: {{question}}"}] and e.title == "Renamed"
        assert e.variants.count() == 4 and e.checks.count() == 1
        assert e.concurrency == {team.credential.public_id: 6}
    expect(role, changed, c.post(reverse("experiments:delete", args=[e.public_id])))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_reviewing_is_for_every_member(setup, role):
    e, cell, team = setup["experiment"], setup["cell"], setup["team"]
    c = client(team, role)
    response = c.post(reverse("experiments:rate", args=[e.public_id, cell.public_id]), {"value": "1", "comment": "nice"})
    expect(role, READ, response)
    if role != "outsider":
        assert cell.ratings.get(rater=getattr(team, role)).comment == "nice"
        assert getattr(team, role).username in response.content.decode()
    response = c.post(reverse("experiments:judge", args=[e.public_id]), {"ticket": "forged", "pick": "1"})
    expect(role, {"owner": 422, "editor": 422, "viewer": 422, "outsider": 404}, response)
    response = c.post(reverse("experiments:fork_own", args=[e.public_id]), {"workspace": team.workspace.public_id})
    expect(role, {"owner": 302, "editor": 302, "viewer": 302, "outsider": 404}, response)
    if role == "viewer":  # a viewer cannot write in the team: the copy lands in their own workspace
        copy = Experiment.objects.exclude(pk=e.pk).get()
        assert copy.workspace.personal_for == team.viewer


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_changing_a_dataset(setup, role):
    d, team, run = setup["dataset"], setup["team"], setup["run"]
    c = client(team, role)
    row = d.rows.first()
    changed = {"owner": 200, "editor": 200, "viewer": 403, "outsider": 404}
    redirected = {"owner": 302, "editor": 302, "viewer": 403, "outsider": 404}
    expect(role, changed, c.post(reverse("experiments:dataset_row", args=[d.public_id, row.public_id]), {"question": "edited"}))
    expect(role, changed, c.post(reverse("experiments:dataset_add_row", args=[d.public_id])))
    expect(role, changed, c.post(reverse("experiments:dataset_duplicate_row", args=[d.public_id, row.public_id])))
    expect(role, changed, c.post(reverse("experiments:dataset_paste", args=[d.public_id]), {"text": "a\tb\nc\td"}))
    expect(role, changed, c.post(reverse("experiments:dataset_import", args=[d.public_id]), {"text": "question,expected\nx,y", "format": "csv"}))
    expect(role, changed, c.post(reverse("experiments:dataset_columns", args=[d.public_id]), {"columns": "question\nexpected\nextra"}))
    expect(role, changed, c.post(reverse("experiments:dataset_delete_row", args=[d.public_id, row.public_id])))
    expect(role, {"owner": 200, "editor": 200, "viewer": 403, "outsider": 404},
           c.get(reverse("experiments:add_run_to_dataset", args=[run.public_id])))
    expect(role, redirected, c.post(reverse("experiments:add_run_to_dataset", args=[run.public_id]), {"dataset": d.public_id}))
    expect(role, redirected, c.post(reverse("experiments:dataset_rename", args=[d.public_id]), {"name": "New name"}))
    if role in ("owner", "editor"):
        assert d.rows.count() == 2 + 1 + 1 + 2 + 1 - 1 + 1
        assert d.rows.filter(values__question="q").exists()  # the run's values became a row
    expect(role, redirected, c.post(reverse("experiments:dataset_delete", args=[d.public_id])))
    if role in ("owner", "editor"):
        assert not Dataset.objects.filter(pk=d.pk).exists()


@pytest.mark.django_db
def test_a_new_experiment_needs_an_editor_of_the_current_workspace(setup):
    team = setup["team"]
    for role, status in (("owner", 302), ("viewer", 403)):
        response = client(team, role).post(reverse("experiments:new"), {"title": "New", "dataset": setup["dataset"].public_id})
        assert response.status_code == status
        response = client(team, role).post(reverse("experiments:dataset_new"), {"name": "D"})
        assert response.status_code == status


@pytest.mark.django_db
def test_a_private_experiment_is_its_authors_alone(setup):
    e, team = setup["experiment"], setup["team"]
    e.conversation.visibility = "private"
    e.conversation.save()
    assert client(team, "editor").get(reverse("experiments:page", args=[e.public_id])).status_code == 404
    assert client(team, "owner").get(reverse("experiments:page", args=[e.public_id])).status_code == 200


@sync_to_async
def cookie_of(user):
    from django.conf import settings

    c = client_for(user)
    return f"{settings.SESSION_COOKIE_NAME}={c.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.mark.django_db(transaction=True)
async def test_socket_actions(fake_provider):
    from tests.factories import make_team_of_four

    team = await sync_to_async(make_team_of_four)()
    provider = await sync_to_async(make_credential)(team.workspace, name="Fake", base_url=fake_provider.base_url, headers={})

    @sync_to_async
    def make():
        dataset = make_dataset(team.owner, team.workspace, rows=1)
        return building.create_experiment(team.owner, team.workspace, title="T", dataset=dataset, variants=[
            {"provider_id": provider.public_id, "provider_name": "Fake", "options": {"model": "fake-gpt@tokens=3", "stream": True}}])

    experiment = await make()
    expected = {
        "owner": ("experiment.state", "experiment.accepted"),
        "editor": ("experiment.state", "experiment.accepted"),
        "viewer": ("experiment.state", "error"),
        "outsider": ("error", "error"),
    }
    for role in ROLES:
        socket = await open_socket(await cookie_of(getattr(team, role)))
        await socket.send_json_to({"type": "experiment.watch", "ref": "w", "experiment": experiment.public_id, "rows": []})
        watched = await socket.receive_json_from(timeout=TIMEOUT)
        for kind in ("experiment.stop", "experiment.run"):
            await socket.send_json_to({"type": kind, "ref": "a", "experiment": experiment.public_id})
            while True:
                reply = await socket.receive_json_from(timeout=TIMEOUT)
                if reply["type"] in ("experiment.accepted", "error"):
                    break
            assert reply["type"] == expected[role][1], (role, kind, reply)
        assert watched["type"] == expected[role][0], (role, watched)
        if role == "viewer":
            assert "Viewers" in reply["message"]
        if role == "outsider":
            assert reply["message"] == "No such experiment."
        await socket.disconnect()
