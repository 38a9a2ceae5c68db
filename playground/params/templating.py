r"""Prompt variables: `{{name}}` placeholders in a request's messages, found in order and filled in.

A placeholder is `{{`, optional spaces, a name, optional spaces, `}}`. A name starts with a letter
or `_` and goes on with letters, digits, `_` or `-` (at most 64 characters). Anything else between
double braces is ordinary text, so JSON examples (`{{"a": 1}}`) and other template languages'
loops (`{{#each}}`, `{{ a.b }}`) pass through untouched.

`\{{` is a literal `{{`: the backslash is dropped and what follows is never a placeholder
(`\{{name}}` sends `{{name}}`). That is the only escape; every other backslash is sent as typed.

Placeholders are looked for in every message's text: string `content` (system, developer, user,
assistant, tool results) and the `text` of text content parts. Values are inserted as they are,
once: a value that itself contains `{{x}}` is not filled again.
"""

import json
import re

NAME = r"[A-Za-z_][A-Za-z0-9_-]{0,63}"
NAME_PATTERN = re.compile(rf"^{NAME}$")
# group 1: the escaping backslash, if any; group 2: the name.
_PLACEHOLDER = re.compile(rf"(\\)?\{{\{{\s*({NAME})\s*\}}\}}")
_ESCAPED_BRACES = re.compile(r"\\\{\{")
ESCAPE = "\\{{"
# The form field of a variable's value box: `variables.<name>` (run.start also takes {name: value}).
FIELD_PREFIX = "variables."


class MissingValues(ValueError):
    """Variables used in the messages without a value; `names` in the order they appear."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names

    def messages(self) -> dict[str, str]:
        """A sentence per missing variable, keyed by its name."""
        return {name: f"Give the variable “{name}” a value: the messages use {{{{{name}}}}}." for name in self.names}


def is_variable_name(text: str) -> bool:
    return bool(NAME_PATTERN.match(text or ""))


def _texts(messages) -> list[str]:
    """Every text of the messages that may hold placeholders, in order."""
    found = []
    for message in messages if isinstance(messages, list) else []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            found.append(content)
        elif isinstance(content, list):
            found += [part["text"] for part in content
                      if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)]
    return found


def variables_in_text(text: str) -> list[str]:
    names = []
    for match in _PLACEHOLDER.finditer(text or ""):
        if not match.group(1) and match.group(2) not in names:
            names.append(match.group(2))
    return names


def find_variables(messages) -> list[str]:
    """The variables the messages use, each once, in the order they first appear."""
    names = []
    for text in _texts(messages):
        names += [name for name in variables_in_text(text) if name not in names]
    return names


def is_template(messages) -> bool:
    """Whether filling changes anything: a placeholder or an escaped `{{` somewhere."""
    return any(_PLACEHOLDER.search(text) or ESCAPE in text for text in _texts(messages))


def fill_text(text: str, values: dict) -> str:
    """The text with each placeholder replaced by its value and each `\\{{` by `{{`.

    Raises MissingValues when a used variable has no value (None); an empty string is a value."""
    missing = [name for name in variables_in_text(text) if not isinstance(values.get(name), str)]
    if missing:
        raise MissingValues(missing)

    def replace(match: re.Match) -> str:
        return values[match.group(2)]

    pieces = []
    # Escapes first cut the text, so `\{{` never starts a placeholder.
    for index, piece in enumerate(_ESCAPED_BRACES.split(text)):
        if index:
            pieces.append("{{")
        pieces.append(_PLACEHOLDER.sub(replace, piece))
    return "".join(pieces)


def fill(messages: list, values: dict | None) -> list:
    """A copy of the messages with every text filled; raises MissingValues naming every variable
    without a value (all of them, in order, not only the first)."""
    values = {str(name): value for name, value in (values or {}).items()}
    missing = [name for name in find_variables(messages) if not isinstance(values.get(name), str)]
    if missing:
        raise MissingValues(missing)
    filled = []
    for message in messages:
        if not isinstance(message, dict):
            filled.append(message)
            continue
        message = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = fill_text(content, values)
        elif isinstance(content, list):
            message["content"] = [
                {**part, "text": fill_text(part["text"], values)}
                if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str) else part
                for part in content
            ]
        filled.append(message)
    return filled


def used_values(messages, values: dict | None) -> dict[str, str]:
    """The values of the variables the messages use, in their order (others left out)."""
    values = values or {}
    return {name: values[name] for name in find_variables(messages) if isinstance(values.get(name), str)}


def values_from_fields(fields) -> dict[str, str]:
    """Variable values from form fields named `variables.<name>` (a QueryDict or {name: [values]})."""
    values = {}
    for key in fields.keys() if hasattr(fields, "keys") else []:
        if isinstance(key, str) and key.startswith(FIELD_PREFIX) and is_variable_name(key[len(FIELD_PREFIX):]):
            raw = fields.getlist(key) if hasattr(fields, "getlist") else fields[key]
            raw = raw[-1] if isinstance(raw, list) and raw else raw
            if isinstance(raw, str):
                values[key[len(FIELD_PREFIX):]] = raw
    return values


def as_value(raw) -> str | None:
    """A variable value from JSON: text as it is, numbers and booleans as JSON writes them; None
    for null (no value). Objects and lists become their JSON text."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, ensure_ascii=False)
