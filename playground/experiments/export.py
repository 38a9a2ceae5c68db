"""Experiments out, and forks: a JSON export (template, variants, checks, rows and every cell with its
run, as sessions export runs), a CSV of the grid, and a fork into another workspace.

Like session exports, nothing here holds how a run was sent: no provider URLs, headers or keys. A
fork keeps the results; a variant whose provider the target workspace lacks keeps its name and asks
for a provider before it runs again. Ratings and blind judgements stay with the original: they are
its reviewers' opinions.
"""

import csv
import io

from django.db import transaction
from django.utils import timezone

from playground.conversations.export import run_data, run_from
from playground.conversations.models import Conversation, Kind, Visibility
from playground.providers.resolve import providers_for
from playground.runs.branches import answer_text
from playground.runs.models import Run

from .models import EXPECTED, Cell, CellState, Check, Experiment, ExperimentRow, Variant

FORMAT = "chat-playground.experiment"
VERSION = 1


def experiment_data(experiment: Experiment) -> dict:
    variants = list(experiment.variants.all())
    checks = list(experiment.checks.all())
    rows = list(experiment.rows.all())
    cells = list(experiment.cells.select_related("run", "row", "variant"))
    grader_ids = {value["run"] for cell in cells for value in cell.checks.values() if isinstance(value, dict) and value.get("run")}
    graders = {run.public_id: run for run in Run.objects.filter(public_id__in=grader_ids)}
    return {
        "format": FORMAT, "version": VERSION, "exported_at": timezone.now().isoformat(),
        "experiment": {"title": experiment.title, "description": experiment.description, "template": experiment.template,
                       "dataset": experiment.dataset.name if experiment.dataset else None},
        "variants": [{"id": v.public_id, "label": v.label, "provider": v.provider_name, "options": v.options,
                      "template": v.template} for v in variants],
        "checks": [{"id": c.public_id, "key": c.key, "kind": c.kind, "name": c.name, "config": c.config} for c in checks],
        "rows": [{"id": r.public_id, "values": r.values} for r in rows],
        "cells": [{"row": cell.row.public_id, "variant": cell.variant.public_id, "state": cell.state, "passed": cell.passed,
                   "checks": cell.checks, "run": run_data(cell.run) if cell.run else None} for cell in cells],
        "grader_runs": [run_data(run) for run in graders.values()],
    }


# A spreadsheet runs a cell that starts like this as a formula: model output must not (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def grid_csv(experiment: Experiment):
    """The grid as CSV: a line per row with its values, then per variant its answer, verdict and
    numbers. Texts that a spreadsheet would run as a formula get a leading apostrophe."""
    variants = list(experiment.variants.all())
    rows = list(experiment.rows.all())
    columns = sorted({name for row in rows for name in row.values}, key=lambda name: (name == EXPECTED, name))
    cells = {(cell.row_id, cell.variant_id): cell for cell in experiment.cells.select_related("run")}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = list(columns)
    for variant in variants:
        header += [f"{variant.name}: {suffix}" for suffix in ("answer", "state", "passed", "ttft_s", "total_s", "tokens", "cost")]
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        line = [_cell_text(row.values.get(column, "")) for column in columns]
        for variant in variants:
            cell = cells.get((row.pk, variant.pk))
            run = cell.run if cell else None
            line += [_cell_text(answer_text(run)) if run else "", cell.state if cell else "",
                     "" if cell is None or cell.passed is None else ("yes" if cell.passed else "no"),
                     run.time_to_first_token if run else "", run.total_time if run else "",
                     run.output_tokens if run else "", run.cost if run and run.cost is not None else ""]
        writer.writerow(line)
        yield buffer.getvalue()


@transaction.atomic
def fork(experiment: Experiment, *, user, workspace) -> Experiment:
    """A copy of the experiment, its results included, in `workspace`, made by `user`."""
    data = experiment_data(experiment)
    conversation = Conversation.objects.create(workspace=workspace, author=user, title=experiment.title, kind=Kind.EXPERIMENT,
                                               visibility=Visibility.WORKSPACE)
    copy = Experiment.objects.create(workspace=workspace, author=user, conversation=conversation,
                                     description=experiment.description, template=experiment.template,
                                     concurrency={})
    providers = {p.name: p for p in providers_for(workspace)}
    variants = {}
    for position, item in enumerate(data["variants"]):
        provider = providers.get(item["provider"])
        variants[item["id"]] = Variant.objects.create(
            experiment=copy, position=position, label=item["label"], options=item["options"], template=item["template"],
            provider_id=provider.public_id if provider else "", provider_name=item["provider"])
    keys = {}
    for position, item in enumerate(data["checks"]):
        config = dict(item["config"])
        if item["kind"] == "model_graded":
            grader = next((p for p in providers.values() if p.public_id == config.get("provider")), None)
            config["provider"] = grader.public_id if grader else ""
        check = Check.objects.create(experiment=copy, position=position, kind=item["kind"], name=item["name"], config=config)
        keys[item["key"]] = check.key
    rows = {}
    for position, item in enumerate(data["rows"]):
        rows[item["id"]] = ExperimentRow.objects.create(experiment=copy, position=position, values=item["values"])
    grader_runs = {}
    for item in data["grader_runs"]:
        run, _started = run_from(item, conversation, user)
        run.scheduled = True
        run.save()
        grader_runs[item["id"]] = run.public_id
    cells = []
    for item in data["cells"]:
        run = None
        if item["run"]:
            run, _started = run_from(item["run"], conversation, user)
            run.scheduled = True
            run.save()
        results = {keys.get(key, key): ({**value, "run": grader_runs.get(value.get("run"))} if isinstance(value, dict) and value.get("run") else value)
                   for key, value in (item["checks"] or {}).items()}
        state = item["state"] if item["state"] in (CellState.DONE, CellState.FAILED, CellState.CANCELLED) else CellState.IDLE
        cells.append(Cell(experiment=copy, row=rows[item["row"]], variant=variants[item["variant"]], state=state,
                          run=run if state != CellState.IDLE else None, checks=results, passed=item["passed"]))
    Cell.objects.bulk_create(cells, batch_size=500)
    return copy
