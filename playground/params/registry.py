"""The parameter registry: every top-level option of a Chat Completions request, described once.

Ranges, enums, defaults and deprecation come from the bundled schema (schema_facts); limits the
spec only states in prose are added here, and so are the rules between options (what an option
needs, what it cannot be sent with, what it is required by), as data. The panel, the body builder,
validation, parameter diffs and "view code" all read this module; nothing else lists parameter
names. The panel's templates render the rules as data attributes, so the browser's live notes are
generic and come from here too.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from playground.params.schema_facts import enum_at, facts

# Kinds the panel knows how to render. "messages" and "model" are edited outside the panel.
NUMBER_KINDS = frozenset({"float", "int"})
JSON_KINDS = frozenset({"json", "token_bias", "key_values", "messages"})
KINDS = NUMBER_KINDS | JSON_KINDS | frozenset(
    {"bool", "enum", "string", "stop", "multi_enum", "choice_or_json", "model"}
)
NOT_IN_PANEL = frozenset({"messages", "model"})

# Limits the spec gives only in prose, so the schema cannot enforce them.
LOGIT_BIAS_RANGE = (-100, 100)
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MIN_OUTPUT_TOKENS = 1


@dataclass(frozen=True)
class Group:
    key: str
    label: str


GROUPS = (
    Group("sampling", "Sampling"),
    Group("length", "Length and stopping"),
    Group("output", "Output"),
    Group("tools", "Tools"),
    Group("logprobs", "Log probabilities"),
    Group("reasoning", "Reasoning"),
    Group("audio", "Audio"),
    Group("search", "Web search"),
    Group("caching", "Prompt caching"),
    Group("metadata", "Storage and tracking"),
    Group("deprecated", "Deprecated"),
)
GROUP_LABELS = {group.key: group.label for group in GROUPS}


@dataclass(frozen=True)
class Needs:
    """The option only applies while `name` has `value` (top_logprobs needs logprobs=true)."""

    name: str
    value: Any
    message: str


@dataclass(frozen=True)
class Excludes:
    """The option cannot be sent together with any of `names` (max_tokens and
    max_completion_tokens). Declared on one side; the registry mirrors it for the panel."""

    names: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class RequiredWhen:
    """The option must be set once `name` has (or, for a list, contains) `value`
    (audio when modalities includes "audio")."""

    name: str
    value: Any
    message: str


@dataclass(frozen=True)
class NamedChoice:
    """A choice option that can name one entry of a list option, e.g. tool_choice forcing one of
    the functions in tools: `path` finds an entry's name, `template` is the choice with the name
    at `choice_path` left None."""

    source: str
    path: tuple[str, ...]
    template: Any
    choice_path: tuple[str, ...]


@dataclass(frozen=True)
class Param:
    """One request option, with everything a template needs to render its control."""

    name: str
    label: str
    kind: str
    group: str
    help: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    step: int | float | None = None
    max_length: int | None = None
    max_items: int | None = None
    choices: tuple[str, ...] = ()
    # Enums of fields inside a JSON option, for its structured editor: (("format", (...)), ...).
    field_choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    default: Any = None
    default_note: str = ""  # a default the spec states in words, e.g. "auto when tools are given"
    deprecated: bool = False
    deprecation_note: str = ""
    placeholder: str = ""
    example: Any = None
    max_key_length: int | None = None  # key_values kinds only
    max_value_length: int | None = None
    needs: tuple[Needs, ...] = ()
    excludes: Excludes | None = None
    required_when: tuple[RequiredWhen, ...] = ()
    named_choice: NamedChoice | None = None
    # The structured editor the panel gives a JSON option (templates/params/editors/<editor>.html,
    # data-editor="<editor>" for static/js), named by the shape it edits; none: a JSON textarea.
    editor: str = ""
    # Limits set here (not in the schema) are checked by the rules, in the schema's own words.
    prose_limits: bool = False

    @property
    def field_name(self) -> str:
        return self.name

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[self.group]

    @property
    def is_json(self) -> bool:
        return self.kind in JSON_KINDS

    @property
    def in_panel(self) -> bool:
        return self.kind not in NOT_IN_PANEL

    @property
    def default_display(self) -> str:
        """The API's default as a user reads it; empty when the API has none."""
        if self.default_note:
            return self.default_note
        if self.default is None:
            return ""
        if isinstance(self.default, str):
            return self.default
        return json.dumps(self.default, ensure_ascii=False)

    @property
    def example_json(self) -> str:
        if self.example is None:
            return ""
        return json.dumps(self.example, indent=2, ensure_ascii=False)

    @property
    def field_choices_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.field_choices)


def _param(name: str, label: str, kind: str, group: str, help: str, **overrides) -> Param:
    """A Param whose schema facts are read from the spec, then overridden by prose-only limits."""
    schema = {key: value for key, value in facts(name).items() if value is not None}
    merged = {**schema, **overrides}
    merged["prose_limits"] = any(key in overrides and key not in schema for key in ("minimum", "maximum"))
    if "example" in merged and "placeholder" not in merged and kind in JSON_KINDS | {"choice_or_json"}:
        compact = json.dumps(merged["example"], ensure_ascii=False)
        merged["placeholder"] = compact if len(compact) <= 80 else ""
    return Param(name=name, label=label, kind=kind, group=group, help=help, **merged)


LEGACY_FUNCTIONS = "Use Tools and Tool choice, or the deprecated Functions and Function call, not both."

_STRICT_OBJECT = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}

PARAMS: tuple[Param, ...] = (
    _param("messages", "Messages", "messages", "output",
           "The conversation so far, oldest first. Edited in the messages pane, not the panel.",
           example=[{"role": "user", "content": "Hello!"}]),
    _param("model", "Model", "model", "output",
           "Which model answers. Any ID the provider accepts works; the list only suggests "
           "OpenAI's own names."),
    # sampling
    _param("temperature", "Temperature", "float", "sampling",
           "How adventurous token picks are. Lower it (0-0.3) for repeatable, factual answers; "
           "raise it for brainstorming. Adjust this or Top P, rarely both.", step=0.01),
    _param("top_p", "Top P", "float", "sampling",
           "Only the most likely tokens whose probabilities add up to this share are considered. "
           "0.1 keeps the top 10%. An alternative to temperature.", step=0.01),
    _param("frequency_penalty", "Frequency penalty", "float", "sampling",
           "Positive values push down tokens the more often they have been used, which cuts "
           "word-for-word repetition. Negative values allow more repetition.", step=0.1),
    _param("presence_penalty", "Presence penalty", "float", "sampling",
           "Positive values push down any token that has appeared at all, nudging the model "
           "towards new topics.", step=0.1),
    _param("seed", "Seed", "int", "sampling",
           "Ask for best-effort repeatable sampling: the same seed and settings should give the "
           "same answer. Handy when comparing settings; not guaranteed.", step=1,
           placeholder="e.g. 42",
           deprecation_note="The spec marks it deprecated (beta), but providers still accept it."),
    _param("logit_bias", "Logit bias", "token_bias", "sampling",
           "Make particular tokens more or less likely, by token ID. -100 bans a token, 100 "
           "all but forces it; small values nudge. Use the lookup to find IDs.",
           minimum=LOGIT_BIAS_RANGE[0], maximum=LOGIT_BIAS_RANGE[1], step=1,
           example={"24912": -100, "40617": 5}),
    # length and stopping
    _param("max_completion_tokens", "Max completion tokens", "int", "length",
           "Upper limit on tokens generated, hidden reasoning tokens included. Caps cost and "
           "length; the answer is cut off (finish reason 'length') when reached.",
           minimum=MIN_OUTPUT_TOKENS, step=1, placeholder="e.g. 1024"),
    _param("stop", "Stop sequences", "stop", "length",
           "Up to four strings that end the answer as soon as the model writes one (the string "
           "itself is left out). Type \\n for a newline, \\t for a tab.",
           default_note="none"),
    # output
    _param("stream", "Stream", "bool", "output",
           "Send the answer piece by piece as it is generated instead of all at once."),
    _param("stream_options", "Stream options", "json", "output",
           "Extra switches for streaming: include_usage adds a last chunk with token counts. "
           "Only sent when Stream is on.",
           needs=(Needs("stream", True, "Stream options only apply when Stream is on."),),
           example={"include_usage": True}),
    _param("n", "Choices (n)", "int", "output",
           "How many alternative answers to generate for the same prompt. You pay for the "
           "tokens of all of them.", step=1),
    _param("response_format", "Response format", "json", "output",
           "Force the shape of the answer: plain text, any JSON object (JSON mode), or JSON "
           "matching your schema (Structured Outputs). JSON mode still needs the word JSON in "
           "your prompt.",
           field_choices=(("type", ("text", "json_object", "json_schema")),), editor="schema-format",
           example={"type": "json_schema", "json_schema": {
               "name": "weather", "strict": True, "schema": _STRICT_OBJECT}}),
    _param("modalities", "Modalities", "multi_enum", "output",
           "What kinds of output to produce. Add audio only on audio-capable models, and then "
           "fill in Audio.", default_note='["text"]'),
    _param("verbosity", "Verbosity", "enum", "output",
           "How long and detailed the answer should be, on models that support it."),
    _param("prediction", "Predicted output", "json", "output",
           "Text you expect the answer to mostly repeat, such as a file being lightly edited. "
           "Speeds up such rewrites on supporting models.",
           example={"type": "content", "content": "def greet(name):\n    print('hi', name)\n"}),
    # tools
    _param("tools", "Tools", "json", "tools",
           "Functions (or custom tools) the model may ask you to call. Describe each with a "
           "name and a JSON Schema of its arguments; strict makes the arguments follow it exactly.",
           editor="function-tools",
           example=[{"type": "function", "function": {
               "name": "get_weather", "description": "Current weather in a city",
               "parameters": _STRICT_OBJECT, "strict": True}}]),
    _param("tool_choice", "Tool choice", "choice_or_json", "tools",
           "Whether the model may call tools: none (never), auto (its choice) or required (at "
           "least one). A JSON object naming one tool forces that tool.",
           default_note="none without tools, auto with tools",
           named_choice=NamedChoice("tools", ("function", "name"),
                                    {"type": "function", "function": {"name": None}}, ("function", "name")),
           example={"type": "function", "function": {"name": "get_weather"}}),
    _param("parallel_tool_calls", "Parallel tool calls", "bool", "tools",
           "Let the model ask for several tool calls in one turn. Turn off if your tools must "
           "run one at a time."),
    # log probabilities
    _param("logprobs", "Logprobs", "bool", "logprobs",
           "Return the log probability of every generated token, to see how sure the model was."),
    _param("top_logprobs", "Top logprobs", "int", "logprobs",
           "Also return this many likely alternatives for each token position. Needs Logprobs.",
           needs=(Needs("logprobs", True, "Top logprobs needs Logprobs turned on."),), step=1),
    # reasoning
    _param("reasoning_effort", "Reasoning effort", "enum", "reasoning",
           "How much thinking a reasoning model does before answering. Lower is faster and "
           "cheaper; higher helps on hard problems. Not every model accepts every level."),
    # audio
    _param("audio", "Audio output", "json", "audio",
           "Voice and file format for spoken answers. Required when Modalities includes audio.",
           editor="voice",
           required_when=(RequiredWhen("modalities", "audio", "Audio output needs a voice and a format "
                                                              "when Modalities includes audio."),),
           field_choices=(("voice", enum_at("audio", "voice")),
                          ("format", enum_at("audio", "format"))),
           example={"voice": "alloy", "format": "wav"}),
    # web search
    _param("web_search_options", "Web search", "json", "search",
           "Turns on web search for search-capable models. Optionally give an approximate user "
           "location and how much search context to use.",
           field_choices=(("search_context_size",
                           enum_at("web_search_options", "search_context_size")),),
           default_note='search_context_size "medium"',
           example={"search_context_size": "medium", "user_location": {
               "type": "approximate", "approximate": {"country": "GB", "city": "London"}}}),
    # prompt caching
    _param("prompt_cache_key", "Prompt cache key", "string", "caching",
           "Requests sharing a key and a long common prefix are more likely to hit the prompt "
           "cache. Use one key per prompt template.", placeholder="e.g. support-bot-v2"),
    _param("prompt_cache_options", "Prompt cache options", "json", "caching",
           "Cache lifetime and whether caching is implicit or uses explicit breakpoints "
           "(newer models only).",
           field_choices=(("ttl", enum_at("prompt_cache_options", "ttl")),
                          ("mode", enum_at("prompt_cache_options", "mode"))),
           default_note='ttl "30m", mode "implicit"',
           example={"ttl": "30m", "mode": "implicit"}),
    # storage and tracking
    _param("store", "Store", "bool", "metadata",
           "Keep this completion on the provider's side for evals and distillation."),
    _param("metadata", "Metadata", "key_values", "metadata",
           "Your own tags (up to 16 key/value strings) stored with the completion, for "
           "filtering later.", max_items=METADATA_MAX_PAIRS,
           max_key_length=METADATA_MAX_KEY, max_value_length=METADATA_MAX_VALUE,
           example={"experiment": "tone-test", "variant": "b"}),
    _param("safety_identifier", "Safety identifier", "string", "metadata",
           "A stable, hashed ID of your end user, so abuse can be traced to one user instead of "
           "your whole account. Never put personal data here.", placeholder="e.g. a hash"),
    _param("service_tier", "Service tier", "enum", "metadata",
           "Processing tier: trade price for speed or availability where your account allows. "
           "The response says which tier was used."),
    _param("moderation", "Moderation", "json", "metadata",
           "Have input and output checked by a moderation model; block or just score, per side. "
           "The results come back with the response.",
           field_choices=(("mode", enum_at("moderation", "policy", "input", "mode")),),
           example={"model": "omni-moderation-latest",
                    "policy": {"input": {"mode": "block"}, "output": {"mode": "score"}}}),
    # deprecated
    _param("max_tokens", "Max tokens", "int", "deprecated",
           "The older output-token limit. Reasoning models reject it.", minimum=MIN_OUTPUT_TOKENS,
           step=1, placeholder="e.g. 1024",
           excludes=Excludes(("max_completion_tokens",), "Set Max completion tokens or Max tokens, not both."),
           deprecation_note="Use Max completion tokens instead."),
    _param("functions", "Functions", "json", "deprecated",
           "The older way to offer functions to the model.",
           excludes=Excludes(("tools", "tool_choice"), LEGACY_FUNCTIONS),
           deprecation_note="Use Tools instead.",
           example=[{"name": "get_weather", "description": "Current weather in a city",
                     "parameters": _STRICT_OBJECT}]),
    _param("function_call", "Function call", "choice_or_json", "deprecated",
           "The older way to control function calling: none, auto, or a function to force.",
           default_note="none without functions, auto with functions",
           excludes=Excludes(("tools", "tool_choice"), LEGACY_FUNCTIONS),
           named_choice=NamedChoice("functions", ("name",), {"name": None}, ("name",)),
           deprecation_note="Use Tool choice instead.", example={"name": "get_weather"}),
    _param("user", "User", "string", "deprecated",
           "The older end-user identifier.", placeholder="e.g. user-1234",
           deprecation_note="Use Safety identifier and Prompt cache key instead."),
    _param("prompt_cache_retention", "Prompt cache retention", "enum", "deprecated",
           "The older cache-lifetime setting.", default_note="depends on your organisation",
           deprecation_note="Use Prompt cache options (ttl) instead."),
)

BY_NAME: dict[str, Param] = {param.name: param for param in PARAMS}


def _conflicts() -> dict[str, tuple[Excludes, ...]]:
    """Each option's exclusions seen from both sides: max_completion_tokens cannot be sent with
    max_tokens because max_tokens says so."""
    found: dict[str, dict[str, list[str]]] = {param.name: {} for param in PARAMS}
    for param in PARAMS:
        if param.excludes is None:
            continue
        found[param.name].setdefault(param.excludes.message, []).extend(param.excludes.names)
        for other in param.excludes.names:
            found[other].setdefault(param.excludes.message, []).append(param.name)
    return {name: tuple(Excludes(tuple(names), message) for message, names in by_message.items())
            for name, by_message in found.items()}


# Declared once on one side (the deprecated one), read from either.
CONFLICTS: dict[str, tuple[Excludes, ...]] = _conflicts()


def params_in_group(group: str) -> tuple[Param, ...]:
    """The panel controls of one group, in panel order (messages and model are not controls)."""
    return tuple(param for param in PARAMS if param.group == group and param.in_panel)
