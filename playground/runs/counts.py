"""How long an answer is, in tokens: the server's count when it sent one, else our tokenizer's."""

from playground.params.tokenizer import estimate_tokens


def output_tokens(usage: dict | None, choices: list[dict], model: str) -> tuple[int, bool]:
    """(completion tokens, estimated): the server's count when it sent one, else the tokenizer's
    count of every choice's text, refusal and tool-call arguments."""
    if usage and isinstance(usage.get("completion_tokens"), int):
        return usage["completion_tokens"], False
    return sum(estimate_tokens(choice, model) for choice in choices), True
