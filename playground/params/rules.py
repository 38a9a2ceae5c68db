"""Validation of a whole request body: the schema, then the rules the spec states only in prose
(cross-field constraints and limits, read from the registry's data on each Param), then
non-blocking hints.

Every rule returns (top-level key, message) pairs and tolerates bodies the schema already
rejected, so one bad field never hides the others.
"""

import math
import re
from collections.abc import Callable, Iterable

from playground.params.registry import BY_NAME, NAME_PATTERN, PARAMS
from playground.params.schema_checks import user_schema_problems
from playground.params.schema_errors import ALL, schema_errors

Problems = list[tuple[str, str]]
_TOKEN_ID = re.compile(r"^\d+$")
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_NO_STOP_MODEL = re.compile(r"^(o3|o4-mini)(-\d{4}-\d{2}-\d{2})?$")  # with dated snapshots


def _is_set(body: dict, name: str) -> bool:
    return body.get(name) is not None


def _has(body: dict, name: str, value) -> bool:
    """The option has this value, or (a list option) contains it."""
    current = body.get(name)
    return current == value or (isinstance(current, list) and value in current)


def _list_of_dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# The rules the registry states as data on each Param (needs, excludes, required_when, limits).


def needs_rules(body: dict) -> Problems:
    problems = []
    for param in PARAMS:
        if not param.needs or param.name not in body:
            continue
        if body[param.name] is None:
            problems.append((param.name, f"Leave {param.label} out instead of sending null."))
            continue
        problems += [(param.name, need.message) for need in param.needs if not _has(body, need.name, need.value)]
    return problems


def excludes_rules(body: dict) -> Problems:
    return [(param.name, param.excludes.message) for param in PARAMS
            if param.excludes and _is_set(body, param.name)
            and any(_is_set(body, other) for other in param.excludes.names)]


def required_when_rules(body: dict) -> Problems:
    return [(param.name, rule.message) for param in PARAMS for rule in param.required_when
            if _has(body, rule.name, rule.value) and not _is_set(body, param.name)]


def limit_rules(body: dict) -> Problems:
    """Ranges the spec gives only in prose, worded like the schema's own (schema_errors)."""
    problems = []
    for param in PARAMS:
        value = body.get(param.name)
        if not param.prose_limits or not _is_number(value):
            continue
        if param.minimum is not None and value < param.minimum:
            problems.append((param.name, f"{param.label} must be at least {param.minimum}."))
        if param.maximum is not None and value > param.maximum:
            problems.append((param.name, f"{param.label} must be at most {param.maximum}."))
    return problems


def token_bias_rules(body: dict) -> Problems:
    problems = []
    for param in PARAMS:
        bias = body.get(param.name)
        if param.kind != "token_bias" or not isinstance(bias, dict):
            continue
        low, high = param.minimum, param.maximum
        for token, value in bias.items():
            if not _TOKEN_ID.match(token):
                problems.append((param.name, f"{param.label} key {token!r} must be a token ID (a whole number)."))
            if _is_number(value) and not low <= value <= high:
                problems.append((param.name, f"{param.label} for token {token} must be between {low} and {high}."))
    return problems


def key_values_rules(body: dict) -> Problems:
    problems = []
    for param in PARAMS:
        pairs = body.get(param.name)
        if param.kind != "key_values" or not isinstance(pairs, dict):
            continue
        if len(pairs) > param.max_items:
            problems.append((param.name, f"{param.label} can hold at most {param.max_items} pairs."))
        for key, value in pairs.items():
            if len(key) > param.max_key_length:
                message = f"{param.label} key {key[:20]!r}… is longer than {param.max_key_length} characters."
                problems.append((param.name, message))
            if isinstance(value, str) and len(value) > param.max_value_length:
                message = f"{param.label} value of {key!r} is longer than {param.max_value_length} characters."
                problems.append((param.name, message))
    return problems


# Rules about the shapes inside tools, schemas and messages.


def _function_tools(body: dict) -> list[tuple[int, dict]]:
    return [(index, tool["function"]) for index, tool in enumerate(_list_of_dicts(body.get("tools")))
            if isinstance(tool.get("function"), dict)]


def _bad_name(name, where: str) -> list[str]:
    if isinstance(name, str) and not NAME_PATTERN.match(name):
        return [f"{where} {name!r} may use only letters, digits, _ and -, at most 64 characters."]
    return []


def name_rules(body: dict) -> Problems:
    problems = []
    for index, function in _function_tools(body):
        problems += [("tools", m) for m in _bad_name(function.get("name"), f"tools[{index}].function.name")]
    for index, function in enumerate(_list_of_dicts(body.get("functions"))):
        problems += [("functions", m) for m in _bad_name(function.get("name"), f"functions[{index}].name")]
    json_schema = _json_schema_format(body)
    if json_schema:
        problems += [("response_format", m)
                     for m in _bad_name(json_schema.get("name"), "response_format.json_schema.name")]
    return problems


def _json_schema_format(body: dict) -> dict | None:
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        json_schema = response_format.get("json_schema")
        return json_schema if isinstance(json_schema, dict) else None
    return None


def user_schema_rules(body: dict) -> Problems:
    problems = []
    json_schema = _json_schema_format(body)
    if json_schema and "schema" in json_schema:
        found = user_schema_problems(json_schema["schema"], "response_format.json_schema.schema",
                                     strict=json_schema.get("strict") is True)
        problems += [("response_format", message) for message in found]
    for index, function in _function_tools(body):
        if "parameters" in function:
            found = user_schema_problems(function["parameters"], f"tools[{index}].function.parameters",
                                         strict=function.get("strict") is True)
            problems += [("tools", message) for message in found]
    return problems


def message_rules(body: dict) -> Problems:
    problems = []
    for index, message in enumerate(_list_of_dicts(body.get("messages"))):
        if message.get("role") != "assistant" or message.get("content") is not None:
            continue
        if not message.get("tool_calls") and not message.get("function_call"):
            problems.append(("messages", f"messages[{index}] is an assistant message without content; "
                                         "give it content or tool calls."))
    return problems


def _is_empty_content(content) -> bool:
    if isinstance(content, str):
        return not content.strip()
    if isinstance(content, list):
        return all(isinstance(part, dict) and part.get("type") == "text" and not str(part.get("text", "")).strip()
                   for part in content)
    return content is None


def last_message_rules(body: dict) -> Problems:
    messages = _list_of_dicts(body.get("messages"))
    if messages and messages[-1].get("role") == "user" and _is_empty_content(messages[-1].get("content")):
        return [("messages", "The last user message is empty: write a prompt, or remove that message.")]
    return []


def _tool_names(body: dict, kind: str) -> set[str]:
    return {tool[kind].get("name") for tool in _list_of_dicts(body.get("tools"))
            if isinstance(tool.get(kind), dict)}


def _chosen_tools(choice: dict) -> list[tuple[str, str]]:
    """(kind, name) of each tool a tool_choice object names."""
    if choice.get("type") in ("function", "custom"):
        named = choice.get(choice["type"])
        return [(choice["type"], named.get("name"))] if isinstance(named, dict) else []
    allowed = choice.get("allowed_tools")
    tools = _list_of_dicts(allowed.get("tools")) if isinstance(allowed, dict) else []
    return [(tool.get("type"), tool[tool["type"]].get("name")) for tool in tools
            if isinstance(tool.get(tool.get("type")), dict)]


def tool_choice_rules(body: dict) -> Problems:
    choice = body.get("tool_choice")
    if choice is None or choice in ("none", "auto"):
        return []
    if not _list_of_dicts(body.get("tools")):
        return [("tool_choice", "Tool choice needs at least one tool in Tools.")]
    if not isinstance(choice, dict):
        return []
    return [("tool_choice", f"Tool choice names {name!r}, which is not in Tools.")
            for kind, name in _chosen_tools(choice) if name not in _tool_names(body, kind)]


def function_call_rules(body: dict) -> Problems:
    choice = body.get("function_call")
    if not isinstance(choice, dict):
        return []
    names = {function.get("name") for function in _list_of_dicts(body.get("functions"))}
    if choice.get("name") not in names:
        return [("function_call", f"Function call names {choice.get('name')!r}, which is not in Functions.")]
    return []


def finite_number_rules(body: dict) -> Problems:
    """NaN and infinities pass the schema's range checks (every comparison with NaN is false) but
    neither JSON, PostgreSQL nor the API takes them. Walked without recursion."""
    problems, stack = [], [(key, value) for key, value in body.items()]
    while stack:
        key, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append((key if key in BY_NAME else ALL, f"{value} is not a number the API takes; use a finite number."))
        elif isinstance(value, dict):
            stack.extend((key, item) for item in value.values())
        elif isinstance(value, list):
            stack.extend((key, item) for item in value)
    return problems


RULES: tuple[Callable[[dict], Problems], ...] = (
    finite_number_rules, needs_rules, excludes_rules, required_when_rules, limit_rules, token_bias_rules, key_values_rules,
    name_rules, user_schema_rules, message_rules, last_message_rules, tool_choice_rules, function_call_rules,
)
# Rules about a request being sent now, not about a draft still being written.
SENDING_RULES = frozenset({last_message_rules})


def _collect(problems: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, message in problems:
        if message not in errors.setdefault(key, []):
            errors[key].append(message)
    return errors


def validate_body(body: dict, *, require_messages: bool = True, draft: bool = False) -> dict[str, list[str]]:
    """Errors of a request body keyed by top-level parameter ("__all__" for the body as a whole).

    With require_messages=False a missing `messages` is accepted, for checking the panel's
    options before the conversation is attached. A draft (checked as the user types) is not
    held to the rules about sending, such as an empty last prompt.
    """
    if not isinstance(body, dict):
        return {ALL: ["The request body must be a JSON object."]}
    problems = list(schema_errors(body))
    if not require_messages and "messages" not in body:
        problems = [(key, message) for key, message in problems if key != "messages"]
    for rule in RULES:
        if not (draft and rule in SENDING_RULES):
            problems += rule(body)
    return _collect(problems)


def _model_id(body: dict) -> str:
    # Routers prefix the vendor ("openai/o3"); the family is in the last segment.
    model = body.get("model")
    return model.rsplit("/", 1)[-1].lower() if isinstance(model, str) else ""


def _mentions_json(messages) -> bool:
    return any("json" in str(message.get("content", "")).lower() for message in _list_of_dicts(messages))


def hints(body: dict) -> list[str]:
    """Advice that does not block a run: settings that are legal but probably not what was meant."""
    model = _model_id(body)
    advice = []
    if _REASONING_MODEL.match(model) and _is_set(body, "max_tokens"):
        advice.append("Reasoning models (o-series, gpt-5) want Max completion tokens, not Max tokens.")
    if _is_set(body, "temperature") and _is_set(body, "top_p"):
        advice.append("Temperature and Top P are both set; changing one of them is usually enough.")
    if _NO_STOP_MODEL.match(model) and _is_set(body, "stop"):
        advice.append(f"{model} does not support stop sequences.")
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_object":
        if not _mentions_json(body.get("messages")):
            advice.append("JSON mode works only if a message asks for JSON; otherwise the model may "
                          "emit whitespace until it hits the token limit.")
    for name in body:
        param = BY_NAME.get(name)
        if param and param.deprecated and param.group == "deprecated" and _is_set(body, name):
            advice.append(f"{param.label} is deprecated. {param.deprecation_note}")
    return advice
