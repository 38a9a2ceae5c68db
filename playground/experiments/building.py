"""Making and changing experiments: the experiment's own conversation, its rows (copied from a
dataset), variants (parsed by the one parser and validated by the registry), checks, and a cell
for every row × variant.
"""

import json

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from playground.conversations.models import Conversation, Kind, Visibility
from playground.params.body import body_from_form
from playground.params.registry import BY_NAME
from playground.params.rules import validate_body
from playground.params.templating import find_variables
from playground.providers.resolve import providers_for
from playground.runs.branches import shared_messages_of

from . import checks
from .models import EXPECTED, MAX_VARIANTS, Cell, CellState, Check, Dataset, Experiment, ExperimentRow, Variant

# What a new variant starts with: the playground streams unless told otherwise.
INITIAL_OPTIONS = {"stream": True}
PLACEHOLDER_MESSAGES = [{"role": "user", "content": "{{question}}"}]


class SetupProblem(ValueError):
    """An experiment cannot be changed as asked; `errors` by field."""

    def __init__(self, errors: dict[str, list[str] | str]):
        self.errors = {name: value if isinstance(value, list) else [value] for name, value in errors.items()}
        super().__init__("; ".join(message for messages in self.errors.values() for message in messages))


@transaction.atomic
def create_experiment(user, workspace, *, title: str, dataset: Dataset | None, template: list | None = None,
                      rows: list[dict] | None = None, variants: list[dict] | None = None) -> Experiment:
    """A new experiment in `workspace`, seen by the whole workspace (a private one is a choice made
    later). Rows: `rows` given, else every row of `dataset`; variants: given, else one on the
    workspace's first provider."""
    conversation = Conversation.objects.create(workspace=workspace, author=user, title=title[:120], kind=Kind.EXPERIMENT,
                                               visibility=Visibility.WORKSPACE)
    if template is None:
        columns = dataset.variable_columns if dataset is not None else []
        template = [{"role": "user", "content": " ".join(f"{{{{{c}}}}}" for c in columns)}] if columns else PLACEHOLDER_MESSAGES
    experiment = Experiment.objects.create(workspace=workspace, author=user, conversation=conversation, dataset=dataset,
                                           template=template)
    if rows is None and dataset is not None:
        rows = list(dataset.rows.order_by("position", "id").values("id", "values")[: settings.EXPERIMENT_MAX_ROWS])
    add_rows(experiment, rows or [])
    if variants is None:
        provider = next(iter(providers_for(workspace)), None)
        variants = [{"provider_id": provider.public_id if provider else "", "provider_name": provider.name if provider else "",
                     "options": {**INITIAL_OPTIONS, "model": ""}}]
    for spec in variants:
        Variant.objects.create(experiment=experiment, position=experiment.variants.count(), **spec)
    ensure_cells(experiment)
    return experiment


def add_rows(experiment: Experiment, rows: list[dict]) -> None:
    """Rows as {"values": {...}, "id": dataset row id?}, after the experiment's last."""
    last = experiment.rows.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    if experiment.rows.count() + len(rows) > settings.EXPERIMENT_MAX_ROWS:
        raise SetupProblem({"rows": f"An experiment runs at most {settings.EXPERIMENT_MAX_ROWS:,} rows."})
    ExperimentRow.objects.bulk_create([ExperimentRow(experiment=experiment, position=start + index, values=row["values"],
                                                     source_id=row.get("id")) for index, row in enumerate(rows)],
                                      batch_size=1000)


def ensure_cells(experiment: Experiment) -> int:
    """A cell for every row × variant that has none yet (new rows, a new variant); returns how many."""
    have = set(experiment.cells.values_list("row_id", "variant_id"))
    missing = [Cell(experiment=experiment, row_id=row, variant_id=variant)
               for row in experiment.rows.values_list("id", flat=True)
               for variant in experiment.variants.values_list("id", flat=True) if (row, variant) not in have]
    Cell.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
    return len(missing)


def from_session(conversation) -> tuple[list | None, list | None]:
    """(template, variants) of a session's latest run: its messages as typed, and one variant per
    compare column (provider, model and options), so a comparison becomes an experiment."""
    latest = conversation.runs.order_by("-started_at", "-column").first()
    if latest is None:
        return None, None
    runs = [latest]
    if latest.comparison:
        runs = list(conversation.runs.filter(comparison=latest.comparison).order_by("column"))
    template = latest.template if latest.template is not None else shared_messages_of(latest)
    variants = [{"provider_id": run.provider_id, "provider_name": run.provider_name,
                 "options": {key: value for key, value in run.request.items() if key != "messages"}} for run in runs[:MAX_VARIANTS]]
    return template, variants


# Templates


def parse_messages(raw: str) -> list:
    """Messages as JSON text (the messages editor's hidden field); raises SetupProblem."""
    try:
        messages = json.loads(raw or "[]")
    except ValueError as error:
        raise SetupProblem({"template": f"The messages are not valid JSON: {error}."}) from None
    problems = validate_body({"model": "x", "messages": messages}).get("messages")
    if not isinstance(messages, list) or not messages:
        raise SetupProblem({"template": "Add at least one message."})
    if problems:
        raise SetupProblem({"template": problems})
    return messages


def template_of(experiment: Experiment, variant: Variant) -> list:
    return variant.template if variant.template is not None else experiment.template


def variables_of(experiment: Experiment, variants=None) -> list[str]:
    """Every variable the experiment's templates use, in order."""
    names = find_variables(experiment.template)
    for variant in variants if variants is not None else experiment.variants.all():
        if variant.template is not None:
            names += [name for name in find_variables(variant.template) if name not in names]
    return names


def missing_columns(experiment: Experiment, variants=None) -> list[str]:
    """Variables the templates use that no row of the experiment has a value for."""
    names = variables_of(experiment, variants)
    if not names:
        return []
    have = set()
    for values in experiment.rows.values_list("values", flat=True)[:2000]:
        have.update(values)
    return [name for name in names if name not in have and name != EXPECTED]


# Variants


def parse_options(fields, raw_json: str = "") -> dict:
    """A variant's options from the form: fields named like the API parameters (the one parser),
    then any more as a JSON object (the same keys, the registry's names); raises SetupProblem."""
    body, errors = body_from_form(fields)
    body.pop("messages", None)
    extra = {}
    if raw_json.strip():
        try:
            extra = json.loads(raw_json)
        except ValueError as error:
            errors["options_json"] = [f"Not valid JSON: {error}."]
        else:
            if not isinstance(extra, dict):
                errors["options_json"] = ["Write a JSON object of options, like {\"temperature\": 0.2}."]
                extra = {}
            unknown = [name for name in extra if name not in BY_NAME or name == "messages"]
            if unknown:
                errors["options_json"] = [f"Not a request option: {', '.join(unknown)}."]
            both = [name for name in extra if name in body]
            if both:
                errors["options_json"] = [f"Set {', '.join(both)} in one place only."]
    options = {**body, **{k: v for k, v in extra.items() if k in BY_NAME and k != "messages" and v is not None}}
    if not options.get("model"):
        errors.setdefault("model", ["Enter the model."])
    for name, messages in validate_body({**options, "messages": [{"role": "user", "content": "x"}]}).items():
        errors.setdefault(name, messages)
    if errors:
        raise SetupProblem(errors)
    return options


def save_variant(experiment: Experiment, variant: Variant | None, *, provider_id: str, label: str, options: dict,
                 template: list | None) -> Variant:
    provider = next((p for p in providers_for(experiment.workspace) if p.public_id == provider_id), None)
    if provider is None:
        raise SetupProblem({"provider": "Choose a provider of this workspace."})
    if variant is None:
        if experiment.variants.count() >= MAX_VARIANTS:
            raise SetupProblem({"__all__": f"An experiment compares at most {MAX_VARIANTS} variants."})
        last = experiment.variants.aggregate(last=Max("position"))["last"]
        variant = Variant(experiment=experiment, position=0 if last is None else last + 1)
    variant.provider_id, variant.provider_name = provider.public_id, provider.name
    variant.label, variant.options, variant.template = label.strip()[:40], options, template
    changed = variant.pk is not None
    variant.save()
    if changed:
        # Its answers were made with other settings: they stay as runs, the cells start over.
        variant.cells.exclude(state__in=[CellState.RUNNING, CellState.GRADING]).update(state=CellState.IDLE, passed=None,
                                                                                       checks={}, error="")
    ensure_cells(experiment)
    return variant


def duplicate_variant(variant: Variant) -> Variant:
    experiment = variant.experiment
    return save_variant(experiment, None, provider_id=variant.provider_id, label="", options=dict(variant.options),
                        template=variant.template)


# Checks


def save_check(experiment: Experiment, check: Check | None, *, kind: str, name: str, data) -> Check:
    config = checks.clean_config(kind, data)  # raises ConfigProblem
    if kind == "model_graded" and not any(p.public_id == config["provider"] for p in providers_for(experiment.workspace)):
        raise checks.ConfigProblem({"provider": "Choose a provider of this workspace."})
    if check is None:
        last = experiment.checks.aggregate(last=Max("position"))["last"]
        check = Check(experiment=experiment, position=0 if last is None else last + 1)
    check.kind, check.name, check.config = kind, name.strip()[:80], config
    check.save()
    return check
