"""The compatibility table is the probe's: the fake provider's committed results are what the
probe finds now, and docs/COMPATIBILITY.md is what bench/compat/render.py makes of the results."""

import json

from bench.compat import measure, render


def test_it_finds_on_the_fake_provider_what_the_committed_results_say():
    committed = json.loads((render.RESULTS / "fake.json").read_text())

    fresh = measure.measure("fake")

    verdicts = lambda result: {f["key"]: f["verdict"] for f in result["report"]["findings"]}  # noqa: E731
    assert verdicts(fresh) == verdicts(committed)


def test_it_keeps_the_compatibility_page_generated_from_the_results():
    assert render.DOC.read_text() == render.render(render.load_results())
