"""Compare mode's column tabs: the columns' fields as the user entered them → each tab headed by
its model and what differs from the other columns. The server parses the fields (params.body) and
says what differs (runs.differences, labelled from the registry); the browser only shows it."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_POST

from playground.params.body import body_from_form
from playground.runs import differences
from playground.runs.service import MAX_COLUMNS
from playground.providers.resolve import providers_for
from playground.teams.access import current_workspace

# Shown in the title of each tab, so not repeated among its differences.
TITLE_KEYS = ("model",)
PROVIDER_FIELD = "provider"


def _provider_of(fields: dict) -> str:
    value = fields.get(PROVIDER_FIELD)
    value = value[-1] if isinstance(value, list) and value else value
    return str(value or "")


def tabs_for(columns: list[dict], provider_names: dict[str, str], active: int) -> list[dict]:
    """One tab per column: its model, provider, the differing settings as (label, value), and
    the options it cannot read yet."""
    parsed = [body_from_form(column) for column in columns]
    rows = [row for row in differences.differing([body for body, _errors in parsed]) if row.key not in TITLE_KEYS]
    providers = [_provider_of(column) for column in columns]
    tabs = []
    for index, ((body, errors), provider) in enumerate(zip(parsed, providers)):
        differs = [{"label": row.label, "value": row.shown[index]} for row in rows]
        if len(set(providers)) > 1:
            differs.insert(0, {"label": "Provider", "value": provider_names.get(provider, "none")})
        tabs.append({"index": index, "number": index + 1, "model": body.get("model") or "no model",
                     "differs": differs, "unreadable": sorted(errors), "active": index == active})
    return tabs


@login_required
@require_POST
def column_tabs(request: HttpRequest) -> HttpResponse:
    """POST {"columns": [{"fields": {name: [values]}}, …], "active": index} → the tab list."""
    try:
        data = json.loads(request.body)
        columns = [column["fields"] for column in data["columns"]]
        active = int(data.get("active", 0))
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest('Send {"columns": [{"fields": {…}}, …], "active": 0}.')
    if not 1 <= len(columns) <= MAX_COLUMNS or not all(isinstance(fields, dict) for fields in columns):
        return HttpResponseBadRequest(f"Send between 1 and {MAX_COLUMNS} columns of fields.")
    workspace, _membership = current_workspace(request)
    names = {choice.public_id: choice.name for choice in providers_for(workspace)}
    return render(request, "params/column_tabs.html", {"tabs": tabs_for(columns, names, active)})
