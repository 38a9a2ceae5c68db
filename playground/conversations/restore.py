"""What reopening a session puts back on the page: the composer, the panel and the compare columns
exactly as the latest run (or comparison) was sent.

The latest run is the one started last; in compare mode, every run of its comparison. The
composer gets the message list it held then, and each column its provider, model and options, as
the body and as the panel's field values (the server's own formatting, so the browser parses
nothing). Each column also names the run it continued from (`after`), so pressing Run again
without changes sends the very same request, as a new branch beside the old one.
"""

from playground.params.body import form_values_from_body
from playground.runs.branches import shared_messages_of


def _options(body: dict) -> dict:
    return {name: value for name, value in body.items() if name != "messages"}


def _column(provider: str | None, body: dict, after: str | None) -> dict:
    options = _options(body)
    values = {name: value if isinstance(value, list) else [value]
              for name, value in form_values_from_body(options).items()}
    return {"provider": provider, "body": options, "values": values, "after": after}


def session_state(conversation) -> dict | None:
    """{messages, columns: [{provider, body, values, after}], comparison}, or None for a new session."""
    latest = conversation.runs.order_by("-started_at", "-column").select_related("parent").first()
    if latest is None:
        draft = conversation.draft_request
        if not isinstance(draft, dict):
            return None
        return {"messages": draft.get("messages") or [], "columns": [_column(None, draft, None)], "comparison": ""}
    runs = [latest]
    if latest.comparison:
        runs = list(conversation.runs.filter(comparison=latest.comparison).order_by("column").select_related("parent"))
    columns = [_column(run.provider_id or None, run.request, run.parent.public_id if run.parent else None)
               for run in runs]
    # With prompt variables the composer gets its messages as typed ({{name}} placeholders) and the
    # values they were filled with.
    messages = runs[0].template if runs[0].template is not None else shared_messages_of(runs[0])
    return {"messages": messages, "variables": runs[0].variables or {}, "columns": columns,
            "comparison": latest.comparison}
