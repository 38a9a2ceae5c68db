"""Journey: coming back to a session. Two turns with tuned parameters in three compare columns,
another session in between, then back through the sidebar and through search: the messages, every
parameter (set and unset) and every column are as they were sent, and Re-run sends the very same
bytes to the provider."""

import re

import pytest
from playwright.sync_api import expect

from playground.conversations.models import Conversation
from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser

COLUMNS = [  # what each column is set to: model, temperature
    ("fake-gpt", "0.3"),
    ("fake-gpt", "0.9"),
    ("fake-reasoner", "1.5"),
]


def pick_column(page, number):
    page.locator(".column-tab").nth(number - 1).click()
    expect(page.locator(".column-tab").nth(number - 1)).to_have_attribute("aria-pressed", "true")


def expect_restored(ray, session):
    """The session as the second turn was sent: composer, columns, parameters, transcript."""
    page = ray.page
    ray.wait_connected()
    expect(page).to_have_url(re.compile(rf"/s/{session.public_id}/$"))
    expect(page.locator("#session-title")).to_have_text("Explain recursion")
    comparisons = page.locator(".comparison")
    expect(comparisons).to_have_count(2)
    expect(comparisons.nth(1).locator(".run .run-status")).to_have_text(["Done", "Done", "Done"])
    expect(page.locator(".turn").nth(0).locator(".prompt-message[data-role=user]")).to_have_text(re.compile("Explain recursion"))
    expect(page.locator(".turn").nth(1).locator(".prompt-message[data-role=user]")).to_have_text(re.compile("Now an example in Python"))
    expect(comparisons.nth(0).locator(".comparison-title")).to_contain_text("Temperature")
    expect(page.locator("#system-message")).to_have_value("You are a patient tutor.")
    expect(page.locator(".message[data-role=user] .message-content").last).to_have_value("Now an example in Python")
    expect(page.locator("#earlier-toggle")).to_be_visible()

    ray.open_panel()
    expect(page.locator(".column-tab")).to_have_count(3)
    for number, (model, temperature) in enumerate(COLUMNS, start=1):
        pick_column(page, number)
        expect(page.locator("#f-model")).to_have_value(model)
        expect(page.locator("#f-temperature")).to_have_value(temperature)
        expect(page.locator("#f-presence_penalty")).to_have_value("0.5")
        expect(page.locator("#f-top_p")).to_have_value("")  # left unset, still unset
    pick_column(page, 1)
    ray.close_panel()


def test_a_session_reopens_exactly_as_it_was_sent(people, fake_provider, size):
    ray = people("ray", "reopen", size)
    add_fake_provider(personal_workspace(ray.user), fake_provider)
    page = ray.page
    ray.sign_in()
    ray.wait_connected()

    # Turn one, in three columns that differ in model and temperature.
    page.fill("#system-message", "You are a patient tutor.")
    page.locator(".message[data-role=user] .message-content").fill("Explain recursion")
    ray.set_field("#f-model", COLUMNS[0][0])
    ray.set_field("#f-temperature", COLUMNS[0][1])
    ray.set_field("#f-presence_penalty", "0.5")
    for model, temperature in COLUMNS[1:]:
        page.click("#add-column")
        ray.set_field("#f-model", model)
        ray.set_field("#f-temperature", temperature)
    expect(page.locator(".column-tab")).to_have_count(3)
    ray.shot("columns")
    ray.close_panel()
    page.keyboard.press("Control+Enter")
    first = page.locator(".comparison").first
    expect(first.locator(".run .run-status")).to_have_text(["Done", "Done", "Done"], timeout=20_000)
    ray.shot("turn-one")

    # Turn two: every column continues its own answer.
    first.locator(".comparison-continue").click()
    page.locator(".message[data-role=user] .message-content").last.fill("Now an example in Python")
    page.keyboard.press("Control+Enter")
    second = page.locator(".comparison").nth(1)
    expect(second.locator(".run .run-status")).to_have_text(["Done", "Done", "Done"], timeout=20_000)
    expect(second).to_be_in_viewport()
    ray.shot("turn-two")
    session = Conversation.objects.get()
    runs = list(Run.objects.filter(conversation=session).order_by("started_at", "column"))
    assert [run.request.get("temperature") for run in runs] == [0.3, 0.9, 1.5] * 2
    for column in range(3):
        continued = runs[3 + column]
        assert continued.parent == runs[column], "each column continues its own answer"
        assert continued.request["messages"][-2]["content"] == runs[column].choices[0]["content"]

    # Another session in between.
    ray.open_sessions()
    page.click("a:has-text('New')")
    ray.wait_connected()
    expect(page.locator("#session-title")).to_have_text("New session")
    page.locator(".message[data-role=user] .message-content").fill("Something unrelated")
    ray.set_field("#f-model", "fake-gpt")
    ray.close_panel()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)

    # Back through the sidebar.
    ray.open_sessions()
    page.locator(f"#session-{session.public_id} .session-link").click()
    expect_restored(ray, session)
    ray.shot("back-through-the-sidebar")

    # Back through search: the result says where it matched.
    ray.open_sessions()
    page.click("a:has-text('New')")
    ray.wait_connected()
    ray.open_sessions()
    page.fill("#history-q", "recursion")
    result = page.locator(f"#session-{session.public_id}")
    expect(page.locator(".session-item")).to_have_count(1)
    expect(result.locator(".session-snippet mark").first).to_have_text(re.compile("recursion", re.I))
    ray.shot("search")
    result.locator(".session-link").click()
    expect_restored(ray, session)
    ray.shot("back-through-search")

    # Re-run: the provider receives the very same bytes as the first time.
    original = runs[3]
    card = page.locator(f".run[data-run='{original.public_id}']")
    sent_before = len(fake_provider.requests)
    card.locator(".run-rerun").click()
    expect(page.locator(".run")).to_have_count(7)
    rerun_card = page.locator(".run").last
    expect(rerun_card.locator(".run-status")).to_have_text("Done", timeout=15_000)
    expect(rerun_card).to_be_in_viewport()
    ray.shot("rerun")
    chat = [r for r in fake_provider.requests if r.path.endswith("/chat/completions")]
    assert len(fake_provider.requests) > sent_before
    again = chat[-1]
    first_time = [r for r in chat[:-1] if r.json() == original.request]
    assert len(first_time) == 1 and again.body == first_time[0].body
    rerun = Run.objects.filter(conversation=session).order_by("-started_at").first()
    assert rerun.request == original.request and rerun.parent == original.parent
    ray.expect_no_errors()
