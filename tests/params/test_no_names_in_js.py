"""No request option is named in the browser's JavaScript (issue 11): the server is the only
parser and validator, so the JavaScript reads option names from the DOM (templates generated
from the registry) or from the server's answers, never from its own source.

The rule, for every file in static/js (vendored libraries aside):
- a registry name with an underscore (`top_logprobs`, `max_completion_tokens`) must not appear
  at all, comments included: such a word means nothing else;
- any other registry name (`model`, `messages`, `stream`, `n`, `tools`, `audio`, …) must not
  appear as a string literal ("model", 'n', `tools`) or as a property access (`.model`,
  `?.stream`): that is how code reads or writes a request option.

Two exceptions, because the same words name other things:
- reading a field of something the server sent (`frame.model`, `delta.logprobs`,
  `entry.top_logprobs`, `choice.audio`): the run protocol and the answer's own vocabulary
  (a response's `logprobs` is not the request's option), the objects named in SERVER_ANSWERS;
- the string "user" as a message role (the messages editor has a role of that name), and HTML
  tag names in createElement("audio").
An identifier or an object key (`const audio = …`, `{ user: … }`) is not flagged: it names a
variable, not an option. Anything else needs a new rule here, with its reason, in review.
"""

import re
from pathlib import Path

import pytest

from playground.params.registry import PARAMS

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
SERVER_ANSWERS = ("frame", "delta", "choice", "entry", "done")
MESSAGE_ROLES = ("user",)

_ANSWER_READ = re.compile(rf"\b(?:{'|'.join(SERVER_ANSWERS)})\??\.\w+")
_TAG_NAME = re.compile(r"createElement\([\"'`]\w+[\"'`]\)")


def _pattern(name: str) -> re.Pattern:
    if "_" in name:
        return re.compile(rf"\b{name}\b")
    quoted = "" if name in MESSAGE_ROLES else rf"[\"'`]{name}[\"'`]|"
    return re.compile(rf"{quoted}(?<!\.)\??\.{name}\b(?!-)")


PATTERNS = {param.name: _pattern(param.name) for param in PARAMS}


def option_names_in(text: str) -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        checked = _TAG_NAME.sub("", _ANSWER_READ.sub("", line))
        found += [(number, name, line.strip()) for name, pattern in PATTERNS.items() if pattern.search(checked)]
    return found


def test_the_scripts_are_there():
    assert len(SCRIPTS) > 5 and any(path.name == "panel.js" for path in SCRIPTS)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_no_script_names_a_request_option(path):
    found = option_names_in(path.read_text())
    assert not found, "\n".join(f"{path.name}:{number}: {name} in {line}" for number, name, line in found)


@pytest.mark.parametrize("line", [
    '// top_logprobs needs logprobs',
    'const body = { model: x }; body.model = "gpt";',
    'fieldsNamed("messages")',
    "if (name === 'stream') {}",
    "view.request?.n",
    "request.tools.length",
    "settings.user",
    'fieldsNamed("audio")',
])
def test_it_catches_an_option_name(line):
    assert option_names_in(line)


@pytest.mark.parametrize("line", [
    "frame.model || ''",
    "delta.logprobs.length + entry.top_logprobs.length",
    'appendMessage({ role: "user", content: "" })',
    "const audio = new Audio(); const modelName = 1;",
    "element.stopPropagation(); element.storedValue; input.n2",
    'querySelector(".audio-voice")',
    "list.replaceChildren(...messages.map(show))",
    'document.createElement("audio")',
])
def test_it_lets_other_meanings_of_the_words_pass(line):
    assert option_names_in(line) == []
