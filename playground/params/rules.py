"""Validation of a whole request body: the schema, then the rules the spec states only in prose
(cross-field constraints and limits), then non-blocking hints.

Every rule returns (top-level key, message) pairs and tolerates bodies the schema already
rejected, so one bad field never hides the others.
"""

import re
from collections.abc import Callable, Iterable

from playground.params.registry import (
    BY_NAME,
    LOGIT_BIAS_RANGE,
    METADATA_MAX_KEY,
    METADATA_MAX_PAIRS,
    METADATA_MAX_VALUE,
    MIN_OUTPUT_TOKENS,
    NAME_PATTERN,
)
from playground.params.schema_checks import user_schema_problems
from playground.params.schema_errors import ALL, schema_errors

Problems = list[tuple[str, str]]
_TOKEN_ID = re.compile(r"^\d+$")
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")
_NO_STOP_MODEL = re.compile(r"^(o3|o4-mini)(-\d{4}-\d{2}-\d{2})?$")  # with dated snapshots


def _label(name: str) -> str:
    return BY_NAME[name].label


def _is_set(body: dict, name: str) -> bool:
    return body.get(name) is not None


def _list_of_dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def top_logprobs_rules(body: dict) -> Problems:
    if "top_logprobs" in body and body["top_logprobs"] is None:
        return [("top_logprobs", "Leave Top logprobs out instead of sending null.")]
    if _is_set(body, "top_logprobs") and body.get("logprobs") is not True:
        return [("top_logprobs", "Top logprobs needs Logprobs turned on.")]
    return []


def token_limit_rules(body: dict) -> Problems:
    problems = []
    if _is_set(body, "max_tokens") and _is_set(body, "max_completion_tokens"):
        problems.append(("max_tokens", "Set Max completion tokens or Max tokens, not both."))
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value < MIN_OUTPUT_TOKENS:
            problems.append((name, f"{_label(name)} must be at least {MIN_OUTPUT_TOKENS}."))
    return problems


def audio_rules(body: dict) -> Problems:
    modalities = body.get("modalities")
    if isinstance(modalities, list) and "audio" in modalities and not _is_set(body, "audio"):
        return [("audio", "Audio output needs a voice and a format when Modalities includes audio.")]
    return []


def stream_options_rules(body: dict) -> Problems:
    if _is_set(body, "stream_options") and body.get("stream") is not True:
        return [("stream_options", "Stream options only apply when Stream is on.")]
    return []


def legacy_function_rules(body: dict) -> Problems:
    legacy = [name for name in ("functions", "function_call") if _is_set(body, name)]
    current = [name for name in ("tools", "tool_choice") if _is_set(body, name)]
    if legacy and current:
        message = "Use Tools and Tool choice, or the deprecated Functions and Function call, not both."
        return [(legacy[0], message)]
    return []


def logit_bias_rules(body: dict) -> Problems:
    bias = body.get("logit_bias")
    if not isinstance(bias, dict):
        return []
    low, high = LOGIT_BIAS_RANGE
    problems = []
    for token, value in bias.items():
        if not _TOKEN_ID.match(token):
            problems.append(("logit_bias", f"Logit bias key {token!r} must be a token ID (a whole number)."))
        if isinstance(value, (int, float)) and not low <= value <= high:
            problems.append(("logit_bias", f"Logit bias for token {token} must be between {low} and {high}."))
    return problems


def metadata_rules(body: dict) -> Problems:
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        return []
    problems = []
    if len(metadata) > METADATA_MAX_PAIRS:
        problems.append(("metadata", f"Metadata can hold at most {METADATA_MAX_PAIRS} pairs."))
    for key, value in metadata.items():
        if len(key) > METADATA_MAX_KEY:
            message = f"Metadata key {key[:20]!r}… is longer than {METADATA_MAX_KEY} characters."
            problems.append(("metadata", message))
        if isinstance(value, str) and len(value) > METADATA_MAX_VALUE:
            message = f"Metadata value of {key!r} is longer than {METADATA_MAX_VALUE} characters."
            problems.append(("metadata", message))
    return problems


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


RULES: tuple[Callable[[dict], Problems], ...] = (
    top_logprobs_rules, token_limit_rules, audio_rules, stream_options_rules, legacy_function_rules,
    logit_bias_rules, metadata_rules, name_rules, user_schema_rules, message_rules, last_message_rules,
    tool_choice_rules, function_call_rules,
)


def _collect(problems: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, message in problems:
        if message not in errors.setdefault(key, []):
            errors[key].append(message)
    return errors


def validate_body(body: dict, *, require_messages: bool = True) -> dict[str, list[str]]:
    """Errors of a request body keyed by top-level parameter ("__all__" for the body as a whole).

    With require_messages=False a missing `messages` is accepted, for checking the panel's
    options before the conversation is attached.
    """
    if not isinstance(body, dict):
        return {ALL: ["The request body must be a JSON object."]}
    problems = list(schema_errors(body))
    if not require_messages and "messages" not in body:
        problems = [(key, message) for key, message in problems if key != "messages"]
    for rule in RULES:
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
