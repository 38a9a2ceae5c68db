"""What an experiment shows and keeps: the summary row from one query, the failing-rows filter, the
grid page's queries not growing with its cells, blind win rates, exports, forks, history and search."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from playground.conversations.models import Conversation
from playground.conversations.search import HistoryFilters, history
from playground.experiments import building, export, grid, reviews
from playground.experiments.models import Cell, Check, Experiment, Judgement
from playground.providers.models import ProviderCredential
from playground.runs.models import Run
from playground.teams.access import personal_workspace
from tests.factories import client_for, make_credential

from .helpers import make_dataset

pytestmark = pytest.mark.django_db


def finished_experiment(user, rows=4, variants=2):
    workspace = personal_workspace(user)
    provider = ProviderCredential.objects.filter(workspace=workspace, name="Fake").first() or make_credential(workspace, name="Fake")
    dataset = make_dataset(user, workspace, rows=rows)
    experiment = building.create_experiment(
        user, workspace, title="Capitals of the world", dataset=dataset,
        variants=[{"provider_id": provider.public_id, "provider_name": "Fake", "options": {"model": f"m{i}", "stream": True}}
                  for i in range(variants)])
    contains = Check.objects.create(experiment=experiment, kind="contains", config={"text": "paris"})
    tokens = Check.objects.create(experiment=experiment, kind="tokens", config={"max": 10})
    for index, cell in enumerate(Cell.objects.filter(experiment=experiment).select_related("variant", "row").order_by("row__position", "variant__position")):
        good = cell.variant.position == 0 or index % 4 == 1
        run = Run.objects.create(
            conversation=experiment.conversation, author=user, provider_name="Fake", model=cell.variant.model, scheduled=True,
            request={"model": cell.variant.model, "messages": [{"role": "user", "content": cell.row.values["question"]}]},
            status="completed", choices=[{"index": 0, "content": "Paris is lovely" if good else "No idea", "finish_reason": "stop"}],
            time_to_first_token=0.1 * (cell.variant.position + 1), total_time=1.0, output_tokens=5 + cell.variant.position * 10,
            tokens_per_second=20.0, cost=Decimal("0.001"))
        cell.run, cell.state = run, "done"
        cell.checks = {contains.key: {"passed": good, "detail": ""}, tokens.key: {"passed": run.output_tokens < 10, "detail": ""}}
        cell.passed = good and run.output_tokens < 10
        cell.save()
    return experiment, contains, tokens


def test_the_summary_is_one_query_with_the_best_marked(alice):
    experiment, contains, tokens = finished_experiment(alice)
    variants, checks = list(experiment.variants.all()), list(experiment.checks.all())
    with CaptureQueriesContext(connection) as queries:
        summary = grid.summary(experiment, variants, checks)
    assert len(queries.captured_queries) == 1
    a, b = summary
    assert a["overall"] == {"passed": 4, "judged": 4, "percent": 100} and b["overall"]["percent"] == 0
    assert a["checks"][0]["rate"]["percent"] == 100 and b["checks"][0]["rate"]["percent"] == 50
    assert b["checks"][0]["failed"] == 2
    assert a["ttft_mean"] == pytest.approx(0.1) and b["ttft_mean"] == pytest.approx(0.2)
    assert a["ttft_p95"] == pytest.approx(0.1)
    assert a["cost_sum"] == Decimal("0.004") and a["tokens_sum"] == 20
    assert {"overall", "check0", "check1", "ttft_mean", "ttft_p95", "tokens_mean"} <= a["best"]
    assert "cost_sum" not in a["best"]  # equal costs: nobody is best
    assert b["best"] == set()


def test_a_number_filters_the_rows_that_failed_it(alice):
    experiment, contains, tokens = finished_experiment(alice)
    variant = experiment.variants.get(position=1)
    client = client_for(alice)
    response = client.get(reverse("experiments:grid", args=[experiment.public_id]), {"failing": f"{variant.public_id}:{contains.key}"})
    assert response.context["row_count"] == 2 and len(response.context["grid"]) == 2
    response = client.get(reverse("experiments:grid", args=[experiment.public_id]), {"failing": f"{variant.public_id}:all"})
    assert response.context["row_count"] == 4
    response = client.get(reverse("experiments:grid", args=[experiment.public_id]), {"failing": "nonsense"})
    assert response.context["row_count"] == 4 and response.context["failing"] == ""


def test_the_grid_page_queries_do_not_grow_with_its_cells(alice):
    small, _, _ = finished_experiment(alice, rows=2)
    client = client_for(alice)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("experiments:page", args=[small.public_id])).status_code == 200
    big, _, _ = finished_experiment(alice, rows=50, variants=4)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("experiments:page", args=[big.public_id]))
    assert response.status_code == 200 and response.content.decode().count('class="xcell"') == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_blind_win_rates_count_ties_as_shares_and_give_an_interval(alice):
    experiment, _, _ = finished_experiment(alice)
    a, b = experiment.variants.all()
    rows = list(experiment.rows.all())
    for row, winner in zip(rows, [a, a, a, None]):
        Judgement.objects.create(experiment=experiment, row=row, judge=alice, compared="x", shown=[a.public_id, b.public_id], winner=winner)
    table = {entry["variant"].pk: entry for entry in reviews.standings(experiment, [a, b])}
    assert table[a.pk]["rate"] == round(100 * 3.5 / 4) and table[a.pk]["judgements"] == 4 and table[a.pk]["ties"] == 1
    assert table[b.pk]["rate"] == round(100 * 0.5 / 4)
    low, high = reviews.wilson(3.5, 4)
    assert 0 < low < 3.5 / 4 < high <= 1
    assert reviews.wilson(0, 0) == (0.0, 1.0)


def test_a_blind_pick_is_recorded_once_against_the_order_shown(alice):
    experiment, _, _ = finished_experiment(alice, rows=1)
    variants = list(experiment.variants.all())
    shown = reviews.next_comparison(experiment, alice, variants)["comparison"]
    judgement, order = reviews.judge(experiment, alice, shown["ticket"], "2")
    assert judgement.winner == order[1] and judgement.shown == [v.public_id for v in order]
    with pytest.raises(reviews.TicketProblem):
        reviews.judge(experiment, alice, shown["ticket"], "1")  # already judged
    assert reviews.next_comparison(experiment, alice, variants)["comparison"] is None


def test_export_and_fork_keep_the_results_but_not_the_reviews(alice, team):
    experiment, _, _ = finished_experiment(alice)
    data = export.experiment_data(experiment)
    assert data["format"] == "chat-playground.experiment" and len(data["cells"]) == 8
    assert data["cells"][0]["run"]["request"]["messages"]
    Judgement.objects.create(experiment=experiment, row=experiment.rows.first(), judge=alice, compared="x", shown=[], winner=None)
    copy = export.fork(experiment, user=team.editor, workspace=team.workspace)
    assert copy.workspace == team.workspace and copy.conversation.kind == "experiment"
    assert Cell.objects.filter(experiment=copy, state="done").count() == 8
    assert Run.objects.filter(conversation=copy.conversation).count() == 8
    assert not Judgement.objects.filter(experiment=copy).exists()
    assert list(copy.variants.values_list("provider_id", flat=True)) == ["", ""]  # no "Fake" provider there
    summary = grid.summary(copy, list(copy.variants.all()), list(copy.checks.all()))
    assert summary[0]["overall"]["percent"] == 100 and summary[0]["checks"][0]["rate"]["percent"] == 100
    csv_text = "".join(export.grid_csv(experiment))
    assert "A: answer" in csv_text and "Paris is lovely" in csv_text


def test_experiments_are_left_out_of_the_session_list_but_found_by_search(alice):
    experiment, _, _ = finished_experiment(alice)
    from playground.conversations.search import reindex

    reindex(experiment.conversation_id)
    workspace = personal_workspace(alice)
    assert experiment.conversation not in list(history(alice, workspace, HistoryFilters()))
    found = list(history(alice, workspace, HistoryFilters(text="capitals")))
    assert [c.kind for c in found] == ["experiment"]
    response = client_for(alice).get(reverse("conversations:history"), {"q": "capitals"})
    assert "experiment" in response.content.decode()


def test_a_run_start_into_an_experiments_runs_is_refused(alice):
    from playground.conversations.starting import _plan
    from playground.runs.service import RunRejected

    experiment, _, _ = finished_experiment(alice)
    with pytest.raises(RunRejected):
        _plan.func(alice, None, {"type": "run.start", "conversation": experiment.conversation.public_id, "fields": {}})


def test_experiment_runs_do_not_count_against_the_playground_limits(alice, settings):
    from playground.runs.limits import check_run_allowed

    settings.RUNS_MAX_CONCURRENT = 2
    experiment, _, _ = finished_experiment(alice)
    Run.objects.filter(conversation=experiment.conversation).update(status="streaming")
    check_run_allowed(alice, 2)  # eight experiment runs streaming, and the playground may still run two
    assert Conversation.objects.filter(kind="experiment").count() == 1


def test_a_new_experiment_from_a_comparison_takes_its_template_and_columns(alice):
    from tests.factories import make_run, make_session

    session = make_session(alice)
    for column, temperature in enumerate((0.2, 0.9)):
        run = make_run(session, "Capital of {{country}}?", "…", temperature=temperature)
        Run.objects.filter(pk=run.pk).update(comparison="cmp", column=column, template=[{"role": "user", "content": "Capital of {{country}}?"}],
                                             provider_id="p1", provider_name="Fake")
    template, variants = building.from_session(session)
    assert template == [{"role": "user", "content": "Capital of {{country}}?"}]
    assert [v["options"]["temperature"] for v in variants] == [0.2, 0.9]
    assert all("messages" not in v["options"] for v in variants)
    response = client_for(alice).post(reverse("experiments:new"), {"title": "From a session", "session": session.public_id})
    assert response.status_code == 302
    experiment = Experiment.objects.get(conversation__title="From a session")
    assert experiment.variants.count() == 2 and experiment.template == template
    assert json.dumps(experiment.template)


def test_the_grid_csv_never_hands_a_spreadsheet_a_formula(alice):
    experiment, _, _ = finished_experiment(alice, rows=1, variants=1)
    Run.objects.filter(conversation=experiment.conversation).update(choices=[{"index": 0, "content": "=HYPERLINK(\"x\")"}])
    text = "".join(export.grid_csv(experiment))
    assert "'=HYPERLINK" in text


def test_a_blank_variant_is_headed_by_its_provider_without_a_dangling_separator(alice, settings):
    settings.OPENAI_API_KEY = "sk-test"  # the Default provider, so the blank variant has one
    client = client_for(alice)
    response = client.post(reverse("experiments:new"), {"title": "Blank"}, follow=True)
    page = response.content.decode()
    assert "Variant A</h3>" in page
    assert "· <code></code>" not in page


def test_the_grid_header_shows_only_what_differs_labelled_by_the_registry(alice):
    workspace = personal_workspace(alice)
    fake, other = make_credential(workspace, name="Fake"), make_credential(workspace, name="Other")
    same = {"stream": True, "max_completion_tokens": 50, "top_p": 0.5}
    experiment = building.create_experiment(
        alice, workspace, title="Temperatures", dataset=make_dataset(alice, workspace, rows=1),
        template=[{"role": "user", "content": "{{question}}"}],
        variants=[{"provider_id": fake.public_id, "provider_name": "Fake", "options": {**same, "model": "m", "temperature": 0.2}},
                  {"provider_id": fake.public_id, "provider_name": "Fake", "options": {**same, "model": "n", "temperature": 0.9,
                                                                                         "response_format": {"type": "json_object"}}},
                  {"provider_id": other.public_id, "provider_name": "Other", "options": {**same, "model": "m", "temperature": 0.2}}])
    variants = list(experiment.variants.all())
    shown = [header["differs"] for header in grid.headers(experiment, variants)]
    assert shown == [
        [("Provider", "Fake"), ("Response format › type", "unset"), ("Temperature", "0.2")],
        [("Provider", "Fake"), ("Response format › type", "json_object"), ("Temperature", "0.9")],
        [("Provider", "Other"), ("Response format › type", "unset"), ("Temperature", "0.2")],
    ]
    html = client_for(alice).get(reverse("experiments:page", args=[experiment.public_id])).content.decode()
    header = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert header.count(">Temperature</span>") == 3 and "temperature" not in header
    assert "Max completion tokens" not in header and "Top P" not in header  # the same in every variant
    # One variant alone: nothing differs, so nothing is listed.
    assert [header["differs"] for header in grid.headers(experiment, variants[:1])] == [[]]
