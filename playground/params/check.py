"""The one way from what the user entered to a checked request body: parse the fields
(params.body), then validate the body (params.rules). The panel's live validation, View code, the
raw JSON view, presets and run.start all go through here, so they cannot disagree.
"""

from collections.abc import Mapping

from playground.params.body import FormErrors, body_from_form
from playground.params.rules import validate_body

# Not required while the user is still composing (the panel checking as they type).
COMPOSING = ("model", "messages")


def _is_blank(body: dict, name: str) -> bool:
    return body.get(name) in (None, "", [])


def checked_body(fields: Mapping, *, draft: bool = False) -> tuple[dict, FormErrors]:
    """The body the fields describe and every error in it, keyed by option: unreadable fields
    first, then the registry's rules. A draft may still lack a model or messages.

    `fields` is a QueryDict (a form post) or a plain {name: [value, …]} dict (websocket JSON).
    """
    body, errors = body_from_form(fields)
    blank = [name for name in COMPOSING if draft and _is_blank(body, name)]
    checked = {name: value for name, value in body.items() if name not in blank}
    problems = validate_body(checked, require_messages="messages" not in blank, draft=draft)
    for name, messages in problems.items():
        if name not in errors and name not in blank:
            errors[name] = messages
    return body, errors


def in_reading_order(body: dict) -> dict:
    """Model first, then messages, then the options in the order given: how people read a body."""
    first = {name: body[name] for name in ("model", "messages") if name in body}
    return {**first, **body}
