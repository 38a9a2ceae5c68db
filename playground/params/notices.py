"""What an answer shows about the options that were asked for: plain-words notes when a server
evidently ignored one (fewer choices than n, no logprobs, no usage chunk, an answer past its length
limit, no tool call though one was required). Stored with the run and shown on its card.
"""

from .tokenizer import estimate_tokens


def ignored_options(body: dict, choices: list[dict], usage: dict | None) -> list[str]:
    """Notes for a completed run whose response shows the server ignored an option asked for."""
    notes = []
    asked_n = body.get("n") or 1
    if asked_n > 1 and len(choices) < asked_n:
        notes.append(f"Asked for {asked_n} choices (n), got {len(choices)}: this server may ignore n.")
    if body.get("logprobs") and choices and not any(c.get("logprobs") for c in choices):
        notes.append("Asked for logprobs, but none came back: this server or model may not support them.")
    if body.get("stream") and (body.get("stream_options") or {}).get("include_usage") and not usage:
        notes.append("Asked for a usage chunk (stream_options.include_usage), but none came: this server may ignore it.")
    notes += _length_limit_notes(body, choices, usage)
    if _asked_for_a_tool_call(body) and not any(c.get("tool_calls") or c.get("function_call") for c in choices):
        choice = body["tool_choice"]
        asked = "required" if choice == "required" else f"the function {choice['function']['name']}"
        notes.append(f"Asked for a tool call (tool_choice: {asked}), but the answer has none: "
                     "this server or model may ignore tool_choice.")
    return notes


# The answer's length is compared with a limit only past this margin when it is counted by our
# tokenizer, which is not the model's: a few tokens either way are the tokenizers', not the server's.
ESTIMATE_MARGIN = 1.5


def _length_limit_notes(body: dict, choices: list[dict], usage: dict | None) -> list[str]:
    name = "max_completion_tokens" if body.get("max_completion_tokens") else "max_tokens" if body.get("max_tokens") else None
    if name is None or not choices:
        return []
    limit = body[name]
    if usage and isinstance(usage.get("completion_tokens"), int):
        # Reasoning tokens count against the limit too, but they are not in the text: compare the
        # visible tokens per choice, which the server's total includes for every choice.
        reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
        longest = (usage["completion_tokens"] - reasoning) / len(choices)
        over = longest > limit
    else:
        longest = max(estimate_tokens(c, body.get("model", "")) for c in choices)
        over = longest > limit * ESTIMATE_MARGIN + 2
    if not over:
        return []
    advice = " Set max_tokens instead (in the Deprecated group)." if name == "max_completion_tokens" else ""
    return [f"Asked for at most {limit} tokens ({name}), but the answer ran to about {round(longest)}: "
            f"this server may ignore {name}.{advice}"]


def _asked_for_a_tool_call(body: dict) -> bool:
    choice = body.get("tool_choice")
    return bool(body.get("tools")) and (choice == "required" or (isinstance(choice, dict) and choice.get("type") == "function"))
