"""The capability probe against each real server bench/compat/setup installs (skipped, saying
how to install it, when it is not there): every check gets a verdict, and what the committed
results record for that server is what it does today."""

import json

import pytest

from bench.compat import measure, render
from bench.compat.servers import SERVERS

pytestmark = pytest.mark.compat

# Verdicts that hang on what a 270M model happens to write (JSON without a grammar, a stop word
# met or not) may change between runs; these are about the server alone.
STABLE = ("include_usage", "max_tokens", "max_completion_tokens", "logprobs", "top_logprobs", "top_logprobs_alone",
          "n", "json_schema", "tool_choice_named", "developer_role", "system_role", "image_parts", "unknown_model",
          "stream_schema")


@pytest.mark.parametrize("name", list(SERVERS))
def test_it_probes_the_real_server(name):
    server = SERVERS[name]
    if not server.installed():
        pytest.skip(server.missing_reason())
    committed_path = render.RESULTS / f"{name}.json"

    result = measure.measure(name)

    found = {f["key"]: f for f in result["report"]["findings"]}
    assert set(found) == {check.key for check in render.CHECKS}
    assert result["report"]["server_model"]
    if committed_path.exists():
        committed = {f["key"]: f["verdict"] for f in json.loads(committed_path.read_text())["report"]["findings"]}
        assert {key: found[key]["verdict"] for key in STABLE} == {key: committed[key] for key in STABLE}
