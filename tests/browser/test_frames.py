"""The browser's frames.js expands compact delta frames as protocol.Expander does, and the page
streams a run's compact frames into its answer."""

import pytest
from playwright.sync_api import expect

from playground.runs import protocol
from playground.runs.models import Run

pytestmark = pytest.mark.browser

# What a socket may send: a run started and streamed, another run interleaved, a full delta with
# usage between compact ones, a re-defined alias after a re-attach, and a frame of an unknown alias.
MESSAGES = [
    {"type": "run.started", "run": "RunA", "seq": 0},
    [1, "Hel", 0.25, "RunA", 1],
    [1, "lo"],
    {"type": "run.started", "run": "RunB", "seq": 0},
    [2, "\u2603 \"q\"", 0.5, "RunB", 1],
    [1, " world", 1.5],
    {"type": "run.delta", "run": "RunA", "seq": 4, "choices": [{"index": 0, "content": "!"}], "elapsed": 1.75,
     "usage": {"total_tokens": 9}},
    [1, " again"],
    [3, "x", 2.0, "RunA", 3],
    [3, "y"],
    {"type": "run.finished", "run": "RunA", "seq": 5, "status": "completed"},
]


def python_expansion():
    expander = protocol.Expander(clock=lambda: 0.0)
    return [expander.expand(message) for message in MESSAGES]


def test_frames_js_expands_like_the_server_side_expander(page, live_server_url):
    page.goto(f"{live_server_url}/accounts/login/")
    expanded = page.evaluate("""async (messages) => {
        const { expand } = await import("/static/js/frames.js");
        return messages.map((message) => expand(message));
    }""", MESSAGES)
    expected = python_expansion()
    assert [frame.get("seq") for frame in expanded] == [frame.get("seq") for frame in expected]
    for got, want in zip(expanded, expected):
        assert {k: v for k, v in got.items() if k != "elapsed"} == {k: v for k, v in want.items() if k != "elapsed"}
        if isinstance(want.get("elapsed"), float) and want["elapsed"] > 0:
            # Frames without an elapsed time count on from the last one told, by the page's clock.
            assert got["elapsed"] >= want["elapsed"]
    assert page.evaluate("""async () => (await import("/static/js/frames.js")).expand([9, "?"]).type""") == "frame.unknown"


def test_the_page_shows_an_answer_sent_in_compact_frames(playground):
    page = playground
    page.fill("#f-model", "fake-gpt@tokens=60,delay=10")
    page.locator(".message[data-role=user] textarea").last.fill("Compact please")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=15_000)
    run = Run.objects.get()
    text = page.locator(".run .choice-text").last.inner_text()
    assert " ".join(text.split()) == " ".join(run.choices[0]["content"].split())
    assert f"{run.output_tokens} tokens" in page.locator(".run .run-metrics").last.inner_text()
    assert page.console_errors == []
