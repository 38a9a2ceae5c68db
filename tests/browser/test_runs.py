"""In a real browser: run a prompt and watch it stream, stop a run, reload mid-stream and continue."""

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run

pytestmark = pytest.mark.browser


def type_prompt(page, prompt, model):
    page.fill("#f-model", model)
    page.locator(".message[data-role=user] textarea").last.fill(prompt)


def choice_text(page):
    return page.locator(".run .choice-text").last


def test_it_streams_text_in_increments(playground):
    page = playground
    type_prompt(page, "Tell me about streams", "fake-gpt@tokens=80,delay=40")
    page.keyboard.press("Control+Enter")
    text = choice_text(page)
    expect(page.locator(".run .run-status").last).to_have_text("Streaming…")
    expect(text).not_to_be_empty()
    lengths = []
    for _ in range(4):
        page.wait_for_timeout(250)
        lengths.append(len(text.inner_text()))
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1], f"text should grow while streaming: {lengths}"
    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=15_000)
    run = Run.objects.get()
    assert run.status == "completed"
    assert " ".join(text.inner_text().split()) == " ".join(run.choices[0]["content"].split())
    expect(page.locator("#session-title")).to_have_text("Tell me about streams")
    assert page.url.endswith(f"/s/{run.conversation.public_id}/")


def test_it_stops_a_run_and_keeps_its_text(playground, fake_provider):
    page = playground
    type_prompt(page, "A long one please", "fake-gpt@tokens=2000,delay=20")
    page.click("#run-button")
    expect(choice_text(page)).not_to_be_empty()
    page.click("#stop-button")
    expect(page.locator(".run .run-status").last).to_have_text("Stopped", timeout=10_000)
    run = Run.objects.get()
    assert run.status == "cancelled"
    assert run.choices[0]["content"]
    assert fake_provider.wait_until(lambda: fake_provider.streams[-1].closed_by_client_at is not None)


def test_it_continues_the_stream_after_a_reload(playground):
    page = playground
    type_prompt(page, "Keep going after a reload", "fake-gpt@tokens=150,delay=40")
    page.keyboard.press("Control+Enter")
    expect(choice_text(page)).not_to_be_empty()
    page.wait_for_url("**/s/*/")
    page.wait_for_timeout(500)
    before = choice_text(page).inner_text()
    page.reload()
    expect(page.locator(".run .run-status").last).to_have_text("Streaming…")
    expect(page.locator(".run .run-status").last).to_have_text("Done", timeout=20_000)
    after = choice_text(page).inner_text()
    run = Run.objects.get()
    assert run.status == "completed"
    assert " ".join(after.split()).startswith(" ".join(before.split())[:20])
    assert " ".join(after.split()) == " ".join(run.choices[0]["content"].split())
    assert page.locator(".run").count() == 1
