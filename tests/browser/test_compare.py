"""In a real browser: one prompt in three columns at different temperatures, the differing
parameters in the header, and the word diff between two columns."""

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run

pytestmark = pytest.mark.browser


def set_temperature(page, value):
    field = page.locator("input[name=temperature]")
    field.fill(value)
    field.dispatch_event("change")


def test_it_compares_three_temperatures_side_by_side(playground):
    page = playground
    page.fill("#f-model", "fake-gpt@tokens=30,delay=10")
    page.locator(".message[data-role=user] textarea").last.fill("Describe a river")
    set_temperature(page, "0.2")
    page.click("#add-column")
    set_temperature(page, "0.9")
    page.click("#add-column")
    set_temperature(page, "1.6")
    expect(page.locator(".column-tab")).to_have_count(3)
    page.keyboard.press("Control+Enter")

    row = page.locator(".comparison")
    expect(row.locator(".run")).to_have_count(3)
    expect(row.locator(".run .run-status")).to_have_text(["Done", "Done", "Done"], timeout=15_000)
    expect(row.locator(".comparison-title")).to_contain_text("Temperature differs")
    expect(row.locator(".run .column-difference")).to_have_text(["Temperature 0.2", "Temperature 0.9", "Temperature 1.6"])
    runs = list(Run.objects.order_by("column"))
    assert [run.request["temperature"] for run in runs] == [0.2, 0.9, 1.6]
    assert len({run.comparison for run in runs}) == 1

    with page.expect_popup() as popup:
        row.locator(".comparison-diff-link").first.click()
    diff = popup.value
    diff.wait_for_load_state()
    assert diff.locator("ins").count() > 0 and diff.locator("del").count() > 0
    assert "temperature" in diff.locator("body").inner_text()
