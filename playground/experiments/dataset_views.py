"""Dataset pages: the grid editor (edit, add, duplicate, delete rows; paste from a spreadsheet),
columns, import (CSV, TSV, JSONL), export, and "add to dataset" from a run's or the playground's variables.

Each view starts with an access helper; every member reads a workspace's datasets, editors change them.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.params.templating import FIELD_PREFIX, values_from_fields
from playground.runs import branches
from playground.runs.access import get_run_for
from playground.teams.access import check_role, current_workspace, membership_for

from . import datasets
from .access import get_dataset_for
from .forms import AddToDatasetForm, ColumnsForm, DatasetForm, ImportForm, PasteForm
from .models import EXPECTED, Dataset, DatasetRow

PAGE_ROWS = 200


def _row_for(dataset: Dataset, row_id: str) -> DatasetRow:
    row = dataset.rows.filter(public_id=row_id).first()
    if row is None:
        raise Http404("No such row.")
    return row


def _context(request: HttpRequest, dataset: Dataset, **extra) -> dict:
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    total = dataset.rows.count()
    pages = max(1, -(-total // PAGE_ROWS))
    number = min(number, pages)
    rows = list(dataset.rows.order_by("position", "id")[(number - 1) * PAGE_ROWS: number * PAGE_ROWS])
    membership = membership_for(request.user, dataset.workspace)
    return {"dataset": dataset, "rows": [(row, [(column, row.values.get(column, "")) for column in dataset.columns]) for row in rows],
            "row_count": total, "page": number, "pages": pages, "first_number": (number - 1) * PAGE_ROWS + 1,
            "can_write": membership.can_write, "expected": EXPECTED, **extra}


def _grid(request: HttpRequest, dataset: Dataset, status: int = 200, **extra) -> HttpResponse:
    return render(request, "experiments/dataset_grid.html", _context(request, dataset, **extra), status=status)


@login_required
@require_POST
def new_dataset(request: HttpRequest) -> HttpResponse:
    workspace, membership = current_workspace(request)
    check_role(membership, write=True)
    form = DatasetForm(request.POST)
    if not form.is_valid():
        return redirect("experiments:list")
    dataset = Dataset.objects.create(workspace=workspace, author=request.user, name=form.cleaned_data["name"],
                                     description=form.cleaned_data["description"])
    return redirect("experiments:dataset", dataset.public_id)


@login_required
@require_GET
def dataset_page(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id)
    context = _context(request, dataset, import_form=ImportForm(), columns_form=ColumnsForm(initial={"columns": "\n".join(dataset.columns)}))
    context["experiments"] = dataset.experiments.filter(conversation__deleted_at=None).select_related("conversation")[:20]
    return render(request, "experiments/dataset.html", context)


@login_required
@require_POST
def rename_dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    form = DatasetForm(request.POST)
    if form.is_valid():
        dataset.name, dataset.description = form.cleaned_data["name"], form.cleaned_data["description"]
        dataset.save(update_fields=["name", "description", "updated_at"])
    return redirect("experiments:dataset", dataset.public_id)


@login_required
@require_POST
def delete_dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    dataset.delete()  # experiments keep their own copies of the rows they ran
    return redirect("experiments:list")


@login_required
@require_POST
def set_columns(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    form = ColumnsForm(request.POST)
    problems = []
    if form.is_valid():
        try:
            datasets.set_columns(dataset, form.names())
        except datasets.ImportProblem as problem:
            problems = problem.errors
    if problems:
        return _grid(request, dataset, status=422, problems=problems)
    return _grid(request, dataset)


@login_required
@require_POST
def add_row(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    if not dataset.columns:
        return _grid(request, dataset, status=422, problems=["Add a column first (or paste rows with a header line)."])
    try:
        datasets.insert_row(dataset)
    except datasets.ImportProblem as problem:
        return _grid(request, dataset, status=422, problems=problem.errors)
    request.GET = request.GET.copy()
    request.GET["page"] = "999999"  # show the last page, where the new row is
    return _grid(request, dataset, focus_last=True)


@login_required
@require_POST
def update_row(request: HttpRequest, dataset_id: str, row_id: str) -> HttpResponse:
    """One row's values from the grid (fields named like the columns); answers the row again."""
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    row = _row_for(dataset, row_id)
    values, problems = dict(row.values), []
    for column in dataset.columns:
        if column in request.POST:
            value = request.POST[column].replace("\r\n", "\n")
            if len(value) > datasets.MAX_VALUE_CHARS:
                problems.append(f"“{column}” has more than {datasets.MAX_VALUE_CHARS:,} characters.")
                continue
            values[column] = value
    if not problems:
        row.values = values
        row.save(update_fields=["values"])
        Dataset.objects.filter(pk=dataset.pk).update(updated_at=timezone.now())
    number = dataset.rows.filter(position__lt=row.position).count() + 1
    context = {"dataset": dataset, "row": row, "cells": [(column, row.values.get(column, "")) for column in dataset.columns],
               "number": number, "can_write": True, "problems": problems}
    return render(request, "experiments/dataset_row.html", context, status=422 if problems else 200)


@login_required
@require_POST
def duplicate_row(request: HttpRequest, dataset_id: str, row_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    row = _row_for(dataset, row_id)
    try:
        datasets.insert_row(dataset, after=row, values=dict(row.values))
    except datasets.ImportProblem as problem:
        return _grid(request, dataset, status=422, problems=problem.errors)
    return _grid(request, dataset)


@login_required
@require_POST
def delete_row(request: HttpRequest, dataset_id: str, row_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    _row_for(dataset, row_id).delete()
    return _grid(request, dataset)


@login_required
@require_POST
def paste_rows(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """Rows pasted from a spreadsheet into the grid (tab-separated): from the focused cell on, or appended."""
    dataset = get_dataset_for(request.user, dataset_id, write=True)
    form = PasteForm(request.POST)
    if not form.is_valid():
        return _grid(request, dataset, status=422, problems=[e for errors in form.errors.values() for e in errors])
    at_row = dataset.rows.filter(public_id=form.cleaned_data["row"]).first() if form.cleaned_data["row"] else None
    try:
        count = datasets.paste(dataset, form.cleaned_data["text"], at_row=at_row, at_column=form.cleaned_data["column"] or None)
    except datasets.ImportProblem as problem:
        return _grid(request, Dataset.objects.get(pk=dataset.pk), status=422, problems=problem.errors)
    dataset.refresh_from_db()
    if at_row is None:
        request.GET = request.GET.copy()
        request.GET["page"] = "999999"
    return _grid(request, dataset, notice=f"Pasted {count} row{'s' if count != 1 else ''}.")


@login_required
@require_http_methods(["GET", "POST"])
def import_rows(request: HttpRequest, dataset_id: str) -> HttpResponse:
    dataset = get_dataset_for(request.user, dataset_id, write=request.method == "POST")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, notice = [], ""
    if request.method == "POST" and form.is_valid():
        try:
            table = datasets.parse_upload(form.cleaned_data["raw"], form.cleaned_data["filename"], already=dataset.rows.count())
            count = datasets.add_rows(dataset, table)
        except datasets.ImportProblem as problem:
            problems = problem.errors
        else:
            notice = f"Imported {count:,} row{'s' if count != 1 else ''}."
            dataset.refresh_from_db()
    status = 422 if request.method == "POST" and (problems or form.errors) else 200
    context = _context(request, dataset, import_form=form if problems or form.errors else ImportForm(), problems=problems,
                       notice=notice, columns_form=ColumnsForm(initial={"columns": "\n".join(dataset.columns)}))
    return render(request, "experiments/dataset.html", context, status=status)


def _download(dataset: Dataset, lines, extension: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=f"{content_type}; charset=utf-8")
    name = slugify(dataset.name)[:60] or "dataset"
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@login_required
@require_GET
def export_csv(request: HttpRequest, dataset_id: str) -> StreamingHttpResponse:
    dataset = get_dataset_for(request.user, dataset_id)
    return _download(dataset, datasets.rows_as_csv(dataset), "csv", "text/csv")


@login_required
@require_GET
def export_jsonl(request: HttpRequest, dataset_id: str) -> StreamingHttpResponse:
    dataset = get_dataset_for(request.user, dataset_id)
    return _download(dataset, datasets.rows_as_jsonl(dataset), "jsonl", "application/jsonl")


def _add_values(request: HttpRequest, workspace, values: dict, form: AddToDatasetForm, choices: list) -> DatasetRow:
    """Append `values` as a row of the chosen dataset or of a new one; the form's expected value (typed,
    or the run's answer already put in `values`) fills the expected column."""
    chosen = form.cleaned_data["dataset"]
    dataset = next((d for d in choices if d.public_id == chosen), None)
    if chosen and dataset is None:
        raise datasets.ImportProblem(["That dataset is not in this workspace any more: choose another, or name a new one."])
    values = dict(values)
    if form.cleaned_data["expected"]:
        values[EXPECTED] = form.cleaned_data["expected"]
    with transaction.atomic():
        if dataset is None:
            dataset = Dataset.objects.create(workspace=workspace, author=request.user, name=form.cleaned_data["new_name"])
        return datasets.append_row(dataset, values)


def _choices(workspace) -> list:
    return list(Dataset.objects.filter(workspace=workspace).order_by("-updated_at")[:50])


def _added(row: DatasetRow):
    return redirect("experiments:dataset_row_added", row.dataset.public_id, row.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def add_values_to_dataset(request: HttpRequest) -> HttpResponse:
    """"Add to dataset" from the playground's variable boxes (fields `variables.<name>`): the values
    become a new row of a dataset of the current workspace."""
    workspace, membership = current_workspace(request)
    check_role(membership, write=True)
    data = request.POST if request.method == "POST" else request.GET
    variables = values_from_fields(data)
    # The playground's request form posts here first (its variable boxes among its fields): that
    # post only opens this page; the page's own form says `confirm`.
    confirming = request.method == "POST" and "confirm" in request.POST
    form = AddToDatasetForm(request.POST if confirming else None)
    choices = _choices(workspace)
    problems = [] if variables else ["There are no variable values to add: use {{name}} in the messages and fill its box."]
    problems += [f"“{name}” has no value: fill its box in the playground first." for name, value in variables.items() if not value]
    if not problems and confirming and form.is_valid():
        try:
            return _added(_add_values(request, workspace, variables, form, choices))
        except datasets.ImportProblem as problem:
            problems = problem.errors
    context = {"values": variables, "form": form, "datasets": choices, "problems": problems, "field_prefix": FIELD_PREFIX}
    failed = confirming and (problems or form.errors)
    return render(request, "experiments/add_to_dataset.html", context, status=422 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def add_run_to_dataset(request: HttpRequest, run_id: str) -> HttpResponse:
    """"Add to dataset" from a run's card: its variable values, and optionally its answer as the
    expected value, become a new row of a dataset of the run's workspace, or of a new dataset named here."""
    run = get_run_for(request.user, run_id)
    workspace = run.conversation.workspace
    check_role(membership_for(request.user, workspace), write=True)
    form = AddToDatasetForm(request.POST or None)
    choices = _choices(workspace)
    answer = branches.answer_text(run)
    problems = []
    if not run.variables:
        problems.append("This run's messages have no variables ({{name}}) to add.")
    elif request.method == "POST" and form.is_valid():
        values = dict(run.variables)
        if form.cleaned_data["use_answer"]:
            if not answer:
                form.add_error("use_answer", "This run has no answer to use.")
            else:
                values[EXPECTED] = answer
        if not form.errors:
            try:
                return _added(_add_values(request, workspace, values, form, choices))
            except datasets.ImportProblem as problem:
                problems = problem.errors
    context = {"values": run.variables or {}, "form": form, "datasets": choices, "problems": problems, "run": run,
               "answer": answer}
    failed = request.method == "POST" and (problems or form.errors)
    return render(request, "experiments/add_to_dataset.html", context, status=422 if failed else 200)


@login_required
@require_GET
def row_added(request: HttpRequest, dataset_id: str, row_id: str) -> HttpResponse:
    """What "add to dataset" added, with the way to the dataset (the page of the grid that shows the row)."""
    dataset = get_dataset_for(request.user, dataset_id)
    row = _row_for(dataset, row_id)
    number = dataset.rows.filter(position__lt=row.position).count() + 1
    values = [(column, row.values[column]) for column in dataset.columns if column in row.values]
    return render(request, "experiments/row_added.html", {"dataset": dataset, "row": row, "number": number, "values": values,
                                                           "page": -(-number // PAGE_ROWS)})
