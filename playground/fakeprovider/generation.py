"""Deterministic fake answers: what each choice of a chat completion says, token by token.

The same request body (and seed) always gives the same answer; another seed or another last user
message gives another. Each choice is a plan: a list of deltas (content tokens, tool-call or
legacy function-call fragments), their logprobs, and a finish reason. The wire module turns plans
into JSON bodies or SSE events.
"""

import json
import random
from dataclasses import dataclass, field

from .instances import build_instance
from .knobs import Knobs

WORDS = (
    " the", " a", " model", " answer", " stream", " token", " quick", " brown", " fox", " jumps",
    " over", " lazy", " dog", " data", " server", " request", " reply", " light", " river", " stone",
    " green", " paper", " window", " music", " simple", " test", " value", " morning", " city", " road",
)
MULTIBYTE_WORDS = (" café", " niño", " 日本語", " 🙂", " über", " crème brûlée")
SENTENCE_ENDS = (".", ".", ".", "!", "?")
# Tokens offered as alternatives in top_logprobs.
ALTERNATIVES = tuple(dict.fromkeys(WORDS + MULTIBYTE_WORDS + SENTENCE_ENDS + (",", "\n")))
# With the `stamp` knob every content token is this placeholder, replaced by the send time as the
# bytes go out (wire.stamp): events stay serialized ahead of time.
STAMP_PLACEHOLDER = "<wall-clock-time> "
JSON_OBJECT_SCHEMA = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


@dataclass
class Delta:
    """One streamed fragment of a choice: the `delta` object and, for content, its logprob entry."""

    fields: dict
    logprob: dict | None = None


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class ChoicePlan:
    index: int
    content: str | None
    deltas: list[Delta]
    finish_reason: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    function_call: ToolCall | None = None
    logprobs: list[dict] | None = None

    @property
    def completion_tokens(self) -> int:
        return len(self.deltas)


def plan_choices(body: dict, knobs: Knobs) -> list[ChoicePlan]:
    """One plan per requested choice (`n`), each from its own seeded generator."""
    return [_plan_choice(body, knobs, index) for index in range(body.get("n") or 1)]


def _plan_choice(body: dict, knobs: Knobs, index: int) -> ChoicePlan:
    seed = body.get("seed") or 0
    # Sampling settings shape the words too, so columns compared at different temperatures differ.
    sampling = f"{body.get('temperature')}:{body.get('top_p')}"
    rng = random.Random(f"{seed}:{index}:{sampling}:{last_user_text(body['messages'])}")
    tools = tool_targets(body)
    if tools:
        calls = [_tool_call(tool, rng) for tool in tools]
        deltas = [d for number, call in enumerate(calls) for d in _tool_call_deltas(number, call, rng)]
        return ChoicePlan(index, None, deltas, "tool_calls", tool_calls=calls)
    function = legacy_function_target(body)
    if function:
        call = _tool_call(function, rng)
        return ChoicePlan(index, None, _function_call_deltas(call, rng), "function_call", function_call=call)
    return _content_plan(body, knobs, index, rng)


def _content_plan(body: dict, knobs: Knobs, index: int, rng: random.Random) -> ChoicePlan:
    tokens, finish_reason = apply_limits(_content_tokens(body, knobs, rng), _stops(body), output_limit(body))
    plan = ChoicePlan(index, "".join(tokens), [Delta({"content": t}) for t in tokens], finish_reason)
    if body.get("logprobs"):
        # A generator of its own, so asking for logprobs never changes the text.
        logprob_rng = random.Random(f"logprobs:{body.get('seed') or 0}:{index}:{plan.content}")
        top = body.get("top_logprobs") or 0
        plan.logprobs = [token_logprob(t, top, logprob_rng) for t in tokens]
        for delta, entry in zip(plan.deltas, plan.logprobs):
            delta.logprob = entry
    return plan


def _content_tokens(body: dict, knobs: Knobs, rng: random.Random) -> list[str]:
    response_format = body.get("response_format") or {}
    kind = response_format.get("type")
    if kind == "json_schema":
        schema = response_format["json_schema"].get("schema") or JSON_OBJECT_SCHEMA
        return split_text(json.dumps(build_instance(schema, rng), ensure_ascii=False), rng)
    if kind == "json_object":
        return split_text(json.dumps(build_instance(JSON_OBJECT_SCHEMA, rng), ensure_ascii=False), rng)
    if knobs.stamp:
        return [STAMP_PLACEHOLDER] * knobs.tokens
    return word_tokens(knobs.tokens, rng)


def word_tokens(count: int, rng: random.Random) -> list[str]:
    """`count` tokens of sentence-like text mixing words, punctuation, newlines and multibyte words."""
    tokens: list[str] = []
    for _ in range(count):
        previous = tokens[-1] if tokens else "\n"
        tokens.append(_next_token(previous, rng))
    return tokens


def _next_token(previous: str, rng: random.Random) -> str:
    roll = rng.random()
    if previous in SENTENCE_ENDS and roll < 0.3:
        return "\n"
    if previous not in SENTENCE_ENDS + (",", "\n"):
        if roll < 0.12:
            return rng.choice(SENTENCE_ENDS)
        if roll < 0.18:
            return ","
    word = rng.choice(MULTIBYTE_WORDS) if rng.random() < 0.12 else rng.choice(WORDS)
    # A line starts without the space that separates words.
    return word.lstrip() if previous == "\n" else word


def split_text(text: str, rng: random.Random) -> list[str]:
    """Cut text (JSON, tool arguments) into pieces of 1-6 characters, as a model streams it."""
    pieces, start = [], 0
    while start < len(text):
        size = rng.randint(1, 6)
        pieces.append(text[start:start + size])
        start += size
    return pieces


def apply_limits(tokens: list[str], stops: list[str], limit: int | None) -> tuple[list[str], str]:
    """Cut at the output-token limit, then before the first stop sequence; give the finish reason."""
    truncated = limit is not None and len(tokens) > limit
    if truncated:
        tokens = tokens[:limit]
    text = "".join(tokens)
    cuts = [text.find(stop) for stop in stops if stop and stop in text]
    if cuts:
        return _cut_tokens(tokens, min(cuts)), "stop"
    return tokens, "length" if truncated else "stop"


def _cut_tokens(tokens: list[str], length: int) -> list[str]:
    kept, used = [], 0
    for token in tokens:
        if used + len(token) >= length:
            if length - used:
                kept.append(token[: length - used])
            break
        kept.append(token)
        used += len(token)
    return kept


def token_logprob(token: str, top: int, rng: random.Random) -> dict:
    """A fake logprob entry: the chosen token is the likeliest, alternatives follow in falling order."""
    logprob = -round(rng.random() ** 2 * 1.5, 4)
    candidates = [{"token": token, "logprob": logprob, "bytes": list(token.encode())}]
    others = [t for t in rng.sample(ALTERNATIVES, min(top + 1, len(ALTERNATIVES))) if t != token]
    for other in others[: max(top - 1, 0)]:
        logprob = round(logprob - 0.3 - rng.random() * 2, 4)
        candidates.append({"token": other, "logprob": logprob, "bytes": list(other.encode())})
    return {**candidates[0], "top_logprobs": candidates[:top]}


def _tool_call(function: dict, rng: random.Random) -> ToolCall:
    parameters = function.get("parameters") or {"type": "object", "properties": {}}
    arguments = json.dumps(build_instance(parameters, rng), ensure_ascii=False)
    return ToolCall(f"call_{rng.getrandbits(96):024x}", function["name"], arguments)


def _tool_call_deltas(number: int, call: ToolCall, rng: random.Random) -> list[Delta]:
    opening = {"index": number, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
    pieces = [{"index": number, "function": {"arguments": p}} for p in split_text(call.arguments, rng)]
    return [Delta({"tool_calls": [part]}) for part in [opening, *pieces]]


def _function_call_deltas(call: ToolCall, rng: random.Random) -> list[Delta]:
    opening = Delta({"function_call": {"name": call.name, "arguments": ""}})
    return [opening, *(Delta({"function_call": {"arguments": p}}) for p in split_text(call.arguments, rng))]


def tool_targets(body: dict) -> list[dict]:
    """The function definitions the answer calls: none, the named one, the first, or the first two."""
    functions = [t["function"] for t in body.get("tools") or [] if t.get("type") == "function"]
    choice = body.get("tool_choice")
    if not functions or choice == "none" or _answers_a_call(body):
        return []
    if isinstance(choice, dict):
        if choice.get("type") == "function":
            return [f for f in functions if f["name"] == choice["function"]["name"]][:1]
        if choice.get("type") == "allowed_tools":
            allowed = {t.get("function", {}).get("name") for t in choice["allowed_tools"]["tools"]}
            functions = [f for f in functions if f["name"] in allowed]
        else:
            return []
    parallel = body.get("parallel_tool_calls") is not False
    return functions[: 2 if parallel else 1]


def legacy_function_target(body: dict) -> dict | None:
    """The legacy `functions` entry the answer calls, if any."""
    functions = body.get("functions") or []
    choice = body.get("function_call")
    if not functions or choice == "none" or _answers_a_call(body):
        return None
    if isinstance(choice, dict):
        return next((f for f in functions if f["name"] == choice["name"]), None)
    return functions[0]


def _answers_a_call(body: dict) -> bool:
    """After a tool result the model speaks again instead of calling once more."""
    return body["messages"][-1].get("role") in ("tool", "function")


def output_limit(body: dict) -> int | None:
    return body.get("max_completion_tokens") or body.get("max_tokens")


def _stops(body: dict) -> list[str]:
    stop = body.get("stop")
    return [stop] if isinstance(stop, str) else list(stop or [])


def message_text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def last_user_text(messages: list[dict]) -> str:
    return next((message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")


def prompt_token_count(messages: list[dict]) -> int:
    """A rough count in the spirit of OpenAI's: words plus a few tokens of framing per message."""
    return 3 + sum(4 + len(message_text(m).split()) for m in messages)
