"""How long an answer is, in tokens: the server's count when it sent one, else our tokenizer's."""

from playground.params.tokenizer import count_tokens


def output_tokens(usage: dict | None, choices: list[dict], model: str) -> tuple[int, bool]:
    """(completion tokens, estimated): the server's count when it sent one, else the tokenizer's
    count of every choice's text, refusal and tool-call arguments."""
    if usage and isinstance(usage.get("completion_tokens"), int):
        return usage["completion_tokens"], False
    return sum(estimate_tokens(choice, model) for choice in choices), True


def choice_text(choice: dict) -> str:
    calls = [(call.get("function") or {}).get("arguments") or "" for call in choice.get("tool_calls") or []]
    legacy = (choice.get("function_call") or {}).get("arguments") or ""
    return "".join([choice.get("content") or "", choice.get("refusal") or "", *calls, legacy])


def estimate_tokens(choice: dict, model: str) -> int:
    return count_tokens(choice_text(choice), model)
