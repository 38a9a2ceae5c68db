"""Journey: on a phone (and a tablet, and a desktop for comparison). Open the sessions and the
parameters from the header, set the model, run, read the answer; by touch and by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from playground.teams.access import personal_workspace
from tests.factories import make_run, make_session

from .conftest import add_fake_provider

pytestmark = pytest.mark.browser


def no_sideways_scroll(page, selector):
    sizes = page.locator(selector).evaluate_all("els => els.map(el => [el.scrollWidth, el.clientWidth])")
    assert all(scroll <= client + 1 for scroll, client in sizes), f"{selector} scrolls sideways: {sizes}"


def runbar_is_tidy(person):
    """While an answer streams, Stop and Run sit side by side on one line of the run bar, inside the
    screen, and on a phone each is big enough for a thumb."""
    page = person.page
    stop, run = page.locator("#stop-button"), page.locator("#run-button")
    expect(stop).to_be_visible()
    stop_box, run_box = stop.bounding_box(), run.bounding_box()
    assert abs(stop_box["y"] - run_box["y"]) <= 1, f"Stop and Run on different lines: {stop_box}, {run_box}"
    assert stop_box["x"] + stop_box["width"] <= run_box["x"], f"Stop and Run overlap: {stop_box}, {run_box}"
    assert stop_box["x"] >= 0 and run_box["x"] + run_box["width"] <= page.viewport_size["width"]
    if person.is_phone:
        assert min(stop_box["height"], run_box["height"]) >= 44, f"too small for a thumb: {stop_box}, {run_box}"
        assert min(stop_box["width"], run_box["width"]) >= 120, f"too narrow for a thumb: {stop_box}, {run_box}"


@pytest.mark.parametrize("device", ["phone", "tablet", "desktop"])
def test_running_from_a_small_screen(people, fake_provider, device):
    pia = people("pia", "phone", device)
    add_fake_provider(personal_workspace(pia.user), fake_provider)
    older = make_session(pia.user, title="Packing for Lisbon")
    make_run(older, "What should I pack for Lisbon in May?", "Light layers, a rain jacket and comfortable shoes.")
    page = pia.page
    pia.sign_in()
    pia.wait_connected()
    pia.expect_pinned_shell()
    no_sideways_scroll(page, ".topbar")
    # No {{placeholders}} in the messages: no (empty) box for their values.
    expect(page.locator("#variables-box")).to_be_attached()
    expect(page.locator("#variables-box")).to_be_hidden()
    pia.shot("start")

    # The main menu folds into the header below 1280 px (a tablet too: the nav needs about 1200).
    if page.viewport_size["width"] < 1280:
        expect(page.locator(".mainnav")).to_be_hidden()
        page.click("#menu-button")
        expect(page.locator(".mainnav a:has-text('Providers')")).to_be_visible()
        expect(page.locator("#workspace-switcher")).to_be_visible()
        pia.shot("menu")
        page.keyboard.press("Escape")
        expect(page.locator(".mainnav")).to_be_hidden()
        expect(page.locator("#menu-button")).to_be_focused()
    else:
        expect(page.locator(".mainnav a:has-text('Providers')")).to_be_visible()

    # Sessions: a drawer from the left, by keyboard too.
    toggle = page.locator("[data-drawer=sessions]")
    if toggle.is_visible():
        toggle.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#sessions")).to_have_class(re.compile("is-open"))
        expect(page.locator("#sessions")).to_be_focused()  # focus moved into the drawer
        page.keyboard.press("Tab")
        expect(page.locator("#sessions :focus")).to_have_count(1)
    pia.open_sessions()
    expect(page.locator(".session-item", has_text="Packing for Lisbon")).to_be_visible()
    pia.shot("sessions")
    pia.close_sessions()
    if toggle.is_visible():
        expect(toggle).to_be_focused()
        expect(page.locator("#sessions")).not_to_be_in_viewport()

    # The model and a parameter, in the drawer from the right; closed by its own button.
    pia.open_panel()
    page.fill("#f-model", "fake-gpt@tokens=120,delay=15")
    page.fill("#f-temperature", "0.7")
    pia.shot("panel")
    # View code, from the drawer: Esc closes the dialog, and only the dialog.
    page.click("#open-code")
    expect(page.locator("#code-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#code-dialog")).to_have_js_property("open", False)
    expect(page.locator("#panel")).to_be_in_viewport()
    if page.locator("[data-drawer=panel]").is_visible():
        page.locator("#panel [data-drawer-close]").click()
        expect(page.locator("#panel")).not_to_have_class(re.compile("is-open"))

    # Write, run, read.
    prompt = page.locator(".message[data-role=user] .message-content")
    prompt.fill("Three tips for a first trip to Lisbon")
    page.click("#run-button")
    card = page.locator(".run").last
    expect(card).to_be_in_viewport()
    expect(card.locator(".run-status")).to_have_text("Streaming…", timeout=10_000)
    runbar_is_tidy(pia)
    pia.shot("streaming")
    expect(card.locator(".run-status")).to_have_text("Done", timeout=15_000)
    expect(card.locator(".choice-text")).not_to_be_empty()
    no_sideways_scroll(page, ".centre-scroll")
    no_sideways_scroll(page, ".run")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
    pia.expect_pinned_shell()
    pia.shot("answer")

    # Back to the older session from the drawer: its answer and prompt, as they were.
    pia.open_sessions()
    expect(page.locator(".session-item.is-current")).to_contain_text("Three tips for a first trip to Lisbon")
    page.locator(".session-item", has_text="Packing for Lisbon").locator(".session-link").click()
    pia.wait_connected()
    expect(page.locator(".run .choice-text")).to_contain_text("rain jacket")
    expect(page.locator(".prompt-message[data-role=user]")).to_contain_text("What should I pack for Lisbon in May?")
    expect(prompt.last).to_have_value("What should I pack for Lisbon in May?")
    pia.shot("older-session")
    pia.expect_no_errors()
