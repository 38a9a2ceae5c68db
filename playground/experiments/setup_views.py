"""Setting an experiment up: title and template, per-provider concurrency, variants (provider, model,
options, their own template), checks, and more rows from its dataset. Editors only.
"""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from playground.conversations.search import reindex
from playground.params.body import form_values_from_body
from playground.params.registry import GROUPS, NOT_IN_PANEL, NUMBER_KINDS, params_in_group
from playground.params.templating import ESCAPE, find_variables
from playground.providers.resolve import providers_for

from . import building, checks
from .access import get_experiment_for
from .forms import CheckForm, ConcurrencyForm, SetupForm, VariantForm
from .models import CheckKind, Experiment, Variant

# Options a variant edits as fields: the registry's scalar kinds, group by group (the rest as JSON).
SCALAR_KINDS = NUMBER_KINDS | {"bool", "enum", "string"}


def _option_groups(values: dict) -> list[dict]:
    groups = []
    for group in GROUPS:
        params = [param for param in params_in_group(group.key)
                  if param.kind in SCALAR_KINDS and param.name not in NOT_IN_PANEL and not param.deprecated]
        if params:
            groups.append({"label": group.label, "params": [{"param": param, "value": values.get(param.name, "")} for param in params]})
    return groups


def _scalar_names() -> set[str]:
    return {item["param"].name for group in _option_groups({}) for item in group["params"]}


ROLES = ("system", "developer", "user", "assistant", "tool")


def editor_messages(messages) -> list[dict]:
    """Messages as the editor shows them: a role and a text (content parts as their JSON)."""
    shown = []
    for message in messages or []:
        content = message.get("content") if isinstance(message, dict) else None
        is_json = not isinstance(content, str)
        shown.append({"role": message.get("role", "user") if isinstance(message, dict) else "user",
                      "text": json.dumps(content, indent=2, ensure_ascii=False) if is_json else content, "is_json": is_json,
                      "extra": json.dumps({k: v for k, v in message.items() if k not in ("role", "content")}) if isinstance(message, dict) else "{}"})
    return shown


def _variant_form_context(variant: Variant | None, base_template: list) -> dict:
    options = dict(variant.options) if variant else dict(building.INITIAL_OPTIONS)
    scalars = _scalar_names()
    values = form_values_from_body({k: v for k, v in options.items() if k in scalars})
    rest = {k: v for k, v in options.items() if k not in scalars and k != "model"}
    return {"variant": variant, "option_groups": _option_groups(values), "model": options.get("model", ""),
            "options_json": json.dumps(rest, indent=2, ensure_ascii=False) if rest else "",
            "own_template": bool(variant and variant.template is not None),
            "editor_id": f"vt-{variant.public_id if variant else 'new'}",
            "editor_messages": editor_messages(variant.template if variant and variant.template is not None else base_template),
            "editor_json": json.dumps(variant.template if variant and variant.template is not None else base_template)}


def setup_context(experiment: Experiment, **extra) -> dict:
    variants = list(experiment.variants.all())
    providers = providers_for(experiment.workspace)
    used = {variant.provider_id for variant in variants}
    used |= {check.config.get("provider") for check in experiment.checks.all() if check.kind == CheckKind.MODEL_GRADED}
    return {
        "experiment": experiment, "providers": providers, "variants": [_variant_form_context(v, experiment.template) for v in variants],
        "new_variant": _variant_form_context(None, experiment.template) if len(variants) < 6 else None,
        "checks": [{"check": c, "describes": checks.describe(c.kind, c.config)} for c in experiment.checks.all()],
        "check_kinds": CheckKind.choices, "variables": building.variables_of(experiment, variants),
        "missing": building.missing_columns(experiment, variants), "escape": ESCAPE,
        "template_json": json.dumps(experiment.template, ensure_ascii=False),
        "template_messages": editor_messages(experiment.template), "roles": ROLES,
        "concurrency": ConcurrencyForm(providers=[p for p in providers if p.public_id in used] or providers,
                                       current=experiment.concurrency),
        "row_count": experiment.rows.count(),
        "new_dataset_rows": (experiment.dataset.rows.exclude(pk__in=experiment.rows.exclude(source=None).values("source_id")).count()
                             if experiment.dataset else 0),
        **extra,
    }


def _setup(request: HttpRequest, experiment: Experiment, status: int = 200, **extra) -> HttpResponse:
    return render(request, "experiments/setup.html", setup_context(experiment, **extra), status=status)


@login_required
@require_GET
def setup(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    return _setup(request, experiment, setup_form=SetupForm(initial={"title": experiment.title, "description": experiment.description}))


@login_required
@require_POST
def save_template(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    form = SetupForm(request.POST)
    errors = {}
    if form.is_valid():
        try:
            messages = building.parse_messages(form.cleaned_data["messages"])
        except building.SetupProblem as problem:
            errors = problem.errors
        else:
            conversation = experiment.conversation
            conversation.title = form.cleaned_data["title"]
            conversation.save(update_fields=["title", "updated_at"])
            experiment.description, experiment.template = form.cleaned_data["description"], messages
            experiment.save(update_fields=["description", "template", "updated_at"])
            reindex(conversation.pk)
            return _back(experiment, "template")
    return _setup(request, experiment, status=422, setup_form=form, template_errors=errors.get("template", []))


@login_required
@require_POST
def template_variables(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """The variables a template being edited uses, and which the rows lack (answers the editor as it changes)."""
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    try:
        messages = json.loads(request.POST.get("messages") or "[]")
    except ValueError:
        messages = []
    names = find_variables(messages)
    have = set()
    for values in experiment.rows.values_list("values", flat=True)[:2000]:
        have.update(values)
    return render(request, "experiments/variables.html", {"variables": names, "missing": [n for n in names if n not in have],
                                                            "escape": ESCAPE, "row_count": experiment.rows.count()})


@login_required
@require_POST
def save_concurrency(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    form = ConcurrencyForm(request.POST, providers=providers_for(experiment.workspace), current=experiment.concurrency)
    # Only the providers shown were posted: keep the others as they were.
    form.providers = [p for p in form.providers if f"limit_{p.public_id}" in request.POST]
    for name in list(form.fields):
        if name not in request.POST:
            del form.fields[name]
    if not form.is_valid():
        return _setup(request, experiment, status=422, concurrency_errors=form.errors)
    experiment.concurrency = {**(experiment.concurrency or {}), **form.limits()}
    experiment.save(update_fields=["concurrency", "updated_at"])
    return _back(experiment, "concurrency")


def _back(experiment: Experiment, section: str) -> HttpResponse:
    return redirect(reverse("experiments:setup", args=[experiment.public_id]) + "#" + section)


def _variant_for(experiment: Experiment, variant_id: str) -> Variant:
    variant = experiment.variants.filter(public_id=variant_id).first()
    if variant is None:
        raise Http404("No such variant.")
    return variant


@login_required
@require_POST
def save_variant(request: HttpRequest, experiment_id: str, variant_id: str | None = None) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    variant = _variant_for(experiment, variant_id) if variant_id else None
    form = VariantForm(request.POST)
    errors = {}
    if not form.is_valid():
        errors = {name: list(messages) for name, messages in form.errors.items()}
    else:
        try:
            options = building.parse_options(request.POST, form.cleaned_data["options_json"])
            template = building.parse_messages(form.cleaned_data["template_messages"]) if form.cleaned_data["own_template"] else None
            building.save_variant(experiment, variant, provider_id=form.cleaned_data["provider"], label=form.cleaned_data["label"],
                                  options=options, template=template)
        except building.SetupProblem as problem:
            errors = problem.errors
    if errors:
        return _setup(request, experiment, status=422, variant_errors={"id": variant_id or "new", "errors": errors},
                      posted=request.POST)
    return _back(experiment, "variants")


@login_required
@require_POST
def duplicate_variant(request: HttpRequest, experiment_id: str, variant_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    try:
        building.duplicate_variant(_variant_for(experiment, variant_id))
    except building.SetupProblem as problem:
        return _setup(request, experiment, status=422, variant_errors={"id": variant_id, "errors": problem.errors})
    return _back(experiment, "variants")


@login_required
@require_POST
def delete_variant(request: HttpRequest, experiment_id: str, variant_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    variant = _variant_for(experiment, variant_id)
    if variant.cells.filter(state__in=["running", "grading"]).exists():
        return _setup(request, experiment, status=422, variant_errors={"id": variant_id, "errors": {
            "__all__": ["Its cells are running: stop them first."]}})
    variant.delete()  # its cells go; their runs stay in the experiment's runs
    return _back(experiment, "variants")


@login_required
@require_POST
def save_check(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    form = CheckForm(request.POST)
    if not form.is_valid():
        return _setup(request, experiment, status=422, check_errors={"kind": ["Choose a kind of check."]}, posted=request.POST)
    try:
        building.save_check(experiment, None, kind=form.cleaned_data["kind"], name=form.cleaned_data["name"], data=request.POST)
    except checks.ConfigProblem as problem:
        return _setup(request, experiment, status=422, check_errors={k: [v] for k, v in problem.errors.items()}, posted=request.POST)
    return _back(experiment, "checks")


@login_required
@require_POST
def delete_check(request: HttpRequest, experiment_id: str, check_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    check = experiment.checks.filter(public_id=check_id).first()
    if check is None:
        raise Http404("No such check.")
    check.delete()
    return _back(experiment, "checks")


@login_required
@require_POST
def add_dataset_rows(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """The dataset's rows the experiment does not have yet (added since it was made) join it, not run."""
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    if experiment.dataset is not None:
        have = experiment.rows.exclude(source=None).values("source_id")
        rows = list(experiment.dataset.rows.exclude(pk__in=have).order_by("position", "id").values("id", "values"))
        try:
            building.add_rows(experiment, rows)
        except building.SetupProblem as problem:
            return _setup(request, experiment, status=422, rows_errors=problem.errors.get("rows", []))
        building.ensure_cells(experiment)
    return _back(experiment, "rows")
