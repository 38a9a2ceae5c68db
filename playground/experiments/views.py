"""Experiment pages: the list (with datasets), a new experiment, the grid, its partials (a page of rows,
the summary row), a cell's full view, and deleting.

Each view starts with an access helper (get_experiment_for, get_cell_for, current_workspace);
running and stopping cells happen on the page socket (consumer.py), not here.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from playground.conversations.access import get_conversation_for
from playground.conversations.models import Kind
from playground.conversations.search import visible_to
from playground.runs import branches, differences
from playground.runs.models import Run
from playground.runs.render import render_markdown
from playground.teams.access import check_role, current_workspace, membership_for

from . import building, grid, protocol, reviews
from .access import get_cell_for, get_experiment_for
from .forms import DatasetForm, NewExperimentForm
from .models import CellState, Dataset, Experiment


def _sessions(user, workspace):
    return list(visible_to(user, workspace).filter(deleted_at=None, kind=Kind.SESSION).order_by("-updated_at")[:30])


@login_required
@require_GET
def experiment_list(request: HttpRequest) -> HttpResponse:
    workspace, membership = current_workspace(request)
    experiments = (visible_to(request.user, workspace).filter(kind=Kind.EXPERIMENT, deleted_at=None)
                   .select_related("experiment__dataset").order_by("-updated_at")[:100])
    datasets = list(Dataset.objects.filter(workspace=workspace).order_by("-updated_at"))
    context = {"workspace": workspace, "can_write": membership.can_write, "experiments": [c.experiment for c in experiments],
               "datasets": datasets, "dataset_form": DatasetForm(),
               "new_form": NewExperimentForm(datasets=datasets, sessions=_sessions(request.user, workspace))}
    return render(request, "experiments/list.html", context)


def _selected_rows(dataset: Dataset, spans) -> list[dict]:
    rows = list(dataset.rows.order_by("position", "id").values("id", "values"))
    if spans is None:
        return rows
    wanted = sorted({number for start, end in spans for number in range(start, min(end, len(rows)) + 1)})
    return [rows[number - 1] for number in wanted]


@login_required
@require_POST
def new_experiment(request: HttpRequest) -> HttpResponse:
    """A new experiment: from a dataset (all rows or a selection) and a blank prompt, or from a
    session's latest run (its messages become the template, its compare columns the variants)."""
    workspace, membership = current_workspace(request)
    check_role(membership, write=True)
    datasets = list(Dataset.objects.filter(workspace=workspace))
    form = NewExperimentForm(request.POST, datasets=datasets, sessions=_sessions(request.user, workspace))
    if not form.is_valid():
        context = {"workspace": workspace, "can_write": True, "experiments": [], "datasets": datasets, "new_form": form,
                   "dataset_form": DatasetForm()}
        return render(request, "experiments/list.html", context, status=422)
    dataset = next((d for d in datasets if d.public_id == form.cleaned_data["dataset"]), None)
    rows = _selected_rows(dataset, form.cleaned_data["rows"]) if dataset is not None else []
    template, variants = None, None
    if form.cleaned_data["session"]:
        session = get_conversation_for(request.user, form.cleaned_data["session"])
        template, variants = building.from_session(session)
    try:
        experiment = building.create_experiment(request.user, workspace, title=form.cleaned_data["title"], dataset=dataset,
                                                template=template, rows=rows, variants=variants)
    except building.SetupProblem as problem:
        form.add_error(None, str(problem))
        context = {"workspace": workspace, "can_write": True, "experiments": [], "datasets": datasets, "new_form": form,
                   "dataset_form": DatasetForm()}
        return render(request, "experiments/list.html", context, status=422)
    return redirect("experiments:setup", experiment.public_id)


def _parts(experiment: Experiment) -> tuple[list, list]:
    return list(experiment.variants.all()), list(experiment.checks.all())


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page") or 1))
    except ValueError:
        return 1


def grid_context(request: HttpRequest, experiment: Experiment, *, read_only: bool = False) -> dict:
    variants, checks = _parts(experiment)
    membership = membership_for(request.user, experiment.workspace) if request.user.is_authenticated else None
    context = {
        "experiment": experiment, "variants": variants, "checks": grid.check_rows(checks),
        "headers": grid.headers(experiment, variants), "summary": grid.summary(experiment, variants, checks),
        "can_write": bool(membership and membership.can_write) and not read_only,
        "can_review": membership is not None and not read_only, "read_only": read_only,
        **grid.page(experiment, variants, checks, number=_page_number(request), failing=request.GET.get("failing", "")),
    }
    context["page_data"] = {"experiment": experiment.public_id, "can_write": context["can_write"],
                            "states": dict(CellState.choices), "preview_chars": grid.PREVIEW_CHARS,
                            "grid_url": reverse("experiments:grid", args=[experiment.public_id]),
                            # The socket messages' types, from the protocol module (its one home).
                            "socket_types": {"watch": protocol.WATCH, "run": protocol.RUN, "stop_all": protocol.STOP}}
    return context


@login_required
@require_GET
def experiment_page(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id)
    context = grid_context(request, experiment)
    context["missing"] = building.missing_columns(experiment, context["variants"])
    return render(request, "experiments/page.html", context)


@login_required
@require_GET
def grid_partial(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """The grid's rows (another page, or only the rows failing a check) for an htmx swap."""
    experiment = get_experiment_for(request.user, experiment_id)
    return render(request, "experiments/grid.html", grid_context(request, experiment))


@login_required
@require_GET
def summary_partial(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id)
    variants, checks = _parts(experiment)
    context = {"experiment": experiment, "variants": variants, "checks": grid.check_rows(checks),
               "summary": grid.summary(experiment, variants, checks), "failing": request.GET.get("failing", "")}
    return render(request, "experiments/summary.html", context)


@login_required
@require_GET
def cell_page(request: HttpRequest, experiment_id: str, cell_id: str) -> HttpResponse:
    """A cell in full: the row's values, the filled request, the answer (live while it streams), each
    check's result and reason, ratings with names, and the run's own pages (playback, request, diff)."""
    cell = get_cell_for(request.user, experiment_id, cell_id)
    experiment = cell.experiment
    run = cell.run
    checks = list(experiment.checks.all())
    membership = membership_for(request.user, experiment.workspace)
    siblings = list(experiment.cells.filter(row=cell.row).exclude(pk=cell.pk).select_related("variant", "run")
                    .order_by("variant__position"))
    earlier = list(Run.objects.filter(public_id__in=cell.earlier_runs).order_by("-started_at")) if cell.earlier_runs else []
    context = {
        "experiment": experiment, "cell": cell, "run": run, "row_values": list(cell.row.values.items()),
        "template": building.template_of(experiment, cell.variant),
        "answers": [{"index": c.get("index", 0), "html": render_markdown(c.get("content") or ""), "finish_reason": c.get("finish_reason")}
                    for c in (run.choices if run else [])],
        "parameters": [(differences.label(key), differences.display(value)) for key, value in differences.flatten(run.request).items()] if run else [],
        "request_json": json.dumps(run.request, indent=2, ensure_ascii=False) if run else "",
        "messages": [{"role": m.get("role", "?"), "text": branches.message_text(m)} for m in (run.request.get("messages", []) if run else [])],
        "results": grid.shown_results({"checks": cell.checks}, checks),
        "ratings": list(cell.ratings.select_related("rater").order_by("-updated_at")),
        "my_rating": cell.ratings.filter(rater=request.user).first(),
        "siblings": siblings, "earlier": earlier,
        "can_write": membership.can_write, "can_review": True,
        "page_data": {"experiment": experiment.public_id, "cell": cell.public_id,
                      "run": run.public_id if run else None, "live": bool(run and run.is_live)},
    }
    template = "experiments/cell_panel.html" if request.htmx else "experiments/cell_page.html"
    return render(request, template, context)


@login_required
@require_POST
def delete_experiment(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """Into the trash with the sessions (restorable there); its cells stop first."""
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    experiment.cells.filter(state="queued").update(state="idle")
    conversation = experiment.conversation
    conversation.deleted_at = timezone.now()
    conversation.save(update_fields=["deleted_at"])
    conversation.share_links.filter(revoked_at=None).update(revoked_at=timezone.now())
    return redirect("experiments:list")


@login_required
@require_GET
def blind_page(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """Blind review: the next row this person has not judged, its answers shuffled and unlabelled."""
    experiment = get_experiment_for(request.user, experiment_id)
    variants = list(experiment.variants.all())
    chosen = reviews.chosen_variants(variants, request.GET.getlist("v"))
    context = {"experiment": experiment, "variants": variants, "chosen": chosen,
               "standings": reviews.standings(experiment, variants),
               **reviews.next_comparison(experiment, request.user, chosen)}
    return render(request, "experiments/blind.html", context)

