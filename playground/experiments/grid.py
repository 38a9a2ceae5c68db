"""What the experiment page shows: the variants' headers (only what differs), a page of rows with
their cells, and the summary row per variant, whose aggregates are one SQL query.
"""

from django.db.models import Aggregate, Avg, Count, FloatField, Q, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Substr
from django.urls import reverse

from playground.runs import differences
from playground.runs.models import Status

from . import checks as checking
from .models import EXPECTED, Cell, CellState, Rating

PAGE_ROWS = 100
PREVIEW_CHARS = 400


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the value below which `fraction` of the values fall (interpolated)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


# The variants' headers


def headers(experiment, variants: list) -> list[dict]:
    """Per variant: its name, model, provider and the parameters that differ from the other variants
    (runs/differences.py, labelled by the registry), plus the provider and the prompt when those differ."""
    rows = differences.as_rows([variant.options for variant in variants]) if len(variants) > 1 else []
    if len({variant.provider_name for variant in variants}) > 1:
        rows.insert(0, {"key": "provider", "label": "Provider", "values": [variant.provider_name for variant in variants]})
    if any(variant.template is not None for variant in variants):
        rows.append({"key": "template", "label": "Prompt",
                     "values": ["own version" if variant.template is not None else "the experiment's" for variant in variants]})
    return [{"variant": variant, "differs": [(row["label"], row["values"][index]) for row in rows if row["key"] != "model"]}
            for index, variant in enumerate(variants)]


# Cells


CELL_VALUES = {
    "public_id": "public_id", "state": "state", "passed": "passed", "checks": "checks", "error": "error",
    "row_public_id": "row__public_id", "variant_public_id": "variant__public_id", "run_public_id": "run__public_id",
    "run_status": "run__status", "ttft": "run__time_to_first_token", "total": "run__total_time",
    "tokens": "run__output_tokens", "tps": "run__tokens_per_second", "cost": "run__cost",
}


def cell_values(cells) -> list[dict]:
    """Cells as plain dicts with their run's numbers and the start of its answer: one query, without
    loading any run's whole JSON."""
    return list(cells.annotate(preview=Substr(KeyTextTransform("content", KeyTransform("0", "run__choices")), 1, PREVIEW_CHARS),
                               run_error=KeyTextTransform("message", "run__error"))
                .values("id", "row_id", "variant_id", "preview", "run_error", *CELL_VALUES.values()))


def _named(raw: dict) -> dict:
    data = {name: raw[path] for name, path in CELL_VALUES.items()}
    data.update(id=raw["id"], row_id=raw["row_id"], variant_id=raw["variant_id"], preview=raw["preview"] or "",
                run_error=raw["run_error"])
    return data


STATE_LABELS = dict(CellState.choices)


def _seconds(value) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def shown_results(data: dict, checks: list, labels: dict | None = None) -> list[dict]:
    results = []
    for check in checks:
        value = (data.get("checks") or {}).get(check.key)
        if value is not None:
            passed, pending = value.get("passed"), value.get("pending", False)
            label = labels[check.key] if labels else str(check)
            results.append({"check": check, "label": label, "passed": passed, "detail": value.get("detail", ""),
                            "run": value.get("run"), "pending": pending,
                            "css": "is-pass" if passed is True else "is-fail" if passed is False else "is-pending" if pending else "is-unknown",
                            "mark": "✓" if passed is True else "✗" if passed is False else "…" if pending else "–"})
    return results


def decorate(data: dict, checks: list, ratings: dict, labels: dict | None = None, cell_url: str = "") -> dict:
    """A cell's values made ready for the template (which then only prints): the grid renders hundreds."""
    data["results"] = shown_results(data, checks, labels)
    data["failed_keys"] = " ".join(r["check"].key for r in data["results"] if r["passed"] is False)
    data["ups"], data["downs"] = ratings.get(data["id"], (0, 0))
    data["truncated"] = len(data["preview"]) >= PREVIEW_CHARS
    data["state_label"] = STATE_LABELS.get(data["state"], data["state"])
    data["url"] = f"{cell_url}{data['public_id']}/" if cell_url else ""
    metrics = ""
    if data["ttft"] is not None:
        metrics = f"{_seconds(data['ttft'])} · {_seconds(data['total'] or 0)}"
        if data["tokens"] is not None:
            metrics += f" · {data['tokens']} tok"
        if data["cost"] is not None:
            metrics += f" · {data['cost']:.4f}" if data["cost"] >= 0.01 else f" · {data['cost']:.6f}"
    data["metrics"] = metrics
    return data


def cell_url_prefix(experiment) -> str:
    return reverse("experiments:cell", args=[experiment.public_id, "-"])[:-2]


def rating_counts(cells) -> dict[int, tuple[int, int]]:
    rows = (Rating.objects.filter(cell__in=cells).values("cell_id")
            .annotate(up=Count("id", filter=Q(value=1)), down=Count("id", filter=Q(value=-1))))
    return {row["cell_id"]: (row["up"], row["down"]) for row in rows}


def cell_context(cell, checks: list) -> dict:
    """The template context of one cell (for the experiment.cell frame's HTML)."""
    [data] = [_named(raw) for raw in cell_values(Cell.objects.filter(pk=cell.pk))]
    data = decorate(data, checks, rating_counts(Cell.objects.filter(pk=cell.pk)), cell_url=cell_url_prefix(cell.experiment))
    return {"c": data, "experiment": cell.experiment}


def failing_filter(experiment, failing: str):
    """Rows whose cell of a variant failed a check: `failing` is "<variant>:<check key>", or
    "<variant>:all" (any check), or "<variant>:error" (the run failed)."""
    variant, _, key = (failing or "").partition(":")
    cells = Cell.objects.filter(experiment=experiment, variant__public_id=variant)
    if key == "all":
        cells = cells.filter(passed=False)
    elif key == "error":
        cells = cells.filter(state=CellState.FAILED)
    elif key.startswith("c") and key[1:].isdigit():
        cells = cells.filter(**{f"checks__{key}__passed": False})
    else:
        return None
    return cells.values("row_id")


def page(experiment, variants: list, checks: list, *, number: int = 1, failing: str = "") -> dict:
    """One page of rows, each with its cells in variant order."""
    rows = experiment.rows.all()
    chosen = failing_filter(experiment, failing) if failing else None
    if chosen is not None:
        rows = rows.filter(pk__in=chosen)
    total = rows.count()
    pages = max(1, -(-total // PAGE_ROWS))
    number = min(max(1, number), pages)
    rows = list(rows.order_by("position", "id")[(number - 1) * PAGE_ROWS: number * PAGE_ROWS])
    cells = Cell.objects.filter(row__in=rows)
    ratings = rating_counts(cells)
    labels = {check.key: str(check) for check in checks}
    url = cell_url_prefix(experiment)
    by_place = {(raw["row_id"], raw["variant_id"]): decorate(_named(raw), checks, ratings, labels, url)
                for raw in cell_values(cells)}
    grid = []
    for row in rows:
        values = [(name, value) for name, value in row.values.items() if name != EXPECTED]
        grid.append({"row": row, "values": values, "expected": row.values.get(EXPECTED),
                     "cells": [by_place.get((row.pk, variant.pk)) for variant in variants]})
    return {"grid": grid, "page": number, "pages": pages, "row_count": total, "failing": failing if chosen is not None else ""}


# The summary row


def summary(experiment, variants: list, checks: list) -> list[dict]:
    """Per variant: pass rate per check and overall, mean and p95 time to first token, tokens/s,
    tokens and cost, all from one grouped query over the cells and their runs; the best value of
    each metric marked."""
    completed = Q(run__status=Status.COMPLETED, state__in=[CellState.DONE, CellState.GRADING])
    aggregates = {
        # Named apart from the cell's fields: an annotation would shadow `passed` in the filters below.
        "n_cells": Count("id"),
        "n_ended": Count("id", filter=Q(state__in=[CellState.DONE, CellState.FAILED])),
        "n_errors": Count("id", filter=Q(state=CellState.FAILED)),
        "n_passed": Count("id", filter=Q(passed=True)),
        "n_judged": Count("id", filter=Q(passed__isnull=False)),
        "ttft_mean": Avg("run__time_to_first_token", filter=completed),
        "ttft_p95": Percentile("run__time_to_first_token", 0.95, filter=completed),
        "total_mean": Avg("run__total_time", filter=completed),
        "tps_mean": Avg("run__tokens_per_second", filter=completed),
        "tokens_mean": Avg("run__output_tokens", filter=completed),
        "tokens_sum": Sum("run__output_tokens", filter=completed),
        "cost_sum": Sum("run__cost"),
        "priced": Count("id", filter=Q(run__cost__isnull=False)),
    }
    for check in checks:
        aggregates[f"{check.key}_pass"] = Count("id", filter=Q(**{f"checks__{check.key}__passed": True}))
        aggregates[f"{check.key}_fail"] = Count("id", filter=Q(**{f"checks__{check.key}__passed": False}))
    rows = {row["variant_id"]: row for row in Cell.objects.filter(experiment=experiment).values("variant_id").annotate(**aggregates)}
    result = []
    for variant in variants:
        row = rows.get(variant.pk, {})
        entry = {"variant": variant, "cells": row.get("n_cells", 0), "ended": row.get("n_ended", 0), "errors": row.get("n_errors", 0),
                 "overall": _rate(row.get("n_passed", 0), row.get("n_judged", 0)), "checks": []}
        for name in ("ttft_mean", "ttft_p95", "total_mean", "tps_mean", "tokens_mean", "tokens_sum", "cost_sum", "priced"):
            entry[name] = row.get(name)
        for check in checks:
            passed, failed = row.get(f"{check.key}_pass", 0), row.get(f"{check.key}_fail", 0)
            entry["checks"].append({"check": check, "rate": _rate(passed, passed + failed), "failed": failed})
        result.append(entry)
    _mark_best(result, len(checks))
    return result


def _rate(passed: int, judged: int) -> dict | None:
    return {"passed": passed, "judged": judged, "percent": round(100 * passed / judged)} if judged else None


def _mark_best(entries: list[dict], check_count: int) -> None:
    """Mark the best variant of each metric (ties all marked; nothing with fewer than two variants)."""
    for entry in entries:
        entry["best"] = set()
    if len(entries) < 2:
        return

    def mark(name, values, higher: bool):
        known = [(value, entry) for value, entry in zip(values, entries) if value is not None]
        if len(known) < 2 or len({value for value, _ in known}) < 2:
            return
        best = max(v for v, _ in known) if higher else min(v for v, _ in known)
        for value, entry in known:
            if value == best:
                entry["best"].add(name)

    mark("overall", [e["overall"]["percent"] if e["overall"] else None for e in entries], True)
    for index in range(check_count):
        rates = [e["checks"][index]["rate"] for e in entries]
        mark(f"check{index}", [r["percent"] if r else None for r in rates], True)
    mark("ttft_mean", [e["ttft_mean"] for e in entries], False)
    mark("ttft_p95", [e["ttft_p95"] for e in entries], False)
    mark("tps_mean", [e["tps_mean"] for e in entries], True)
    mark("tokens_mean", [e["tokens_mean"] for e in entries], False)
    mark("cost_sum", [e["cost_sum"] if e["priced"] else None for e in entries], False)
    for entry in entries:
        for index, item in enumerate(entry["checks"]):
            item["best"] = f"check{index}" in entry["best"]


def check_rows(checks: list) -> list[dict]:
    return [{"check": check, "text": str(check), "describes": checking.describe(check.kind, check.config)} for check in checks]
