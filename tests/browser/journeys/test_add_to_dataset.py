"""Journey: a case found while experimenting becomes a test case. Write a prompt with a variable, fill
it and run; from the run's card add the values, with the answer as the expected value, to a dataset;
see what was added and open the dataset; then from the variable boxes add the next case to a new
dataset; reopen the session and find the card still offering it."""

import re

import pytest
from playwright.sync_api import expect

from playground.experiments.models import Dataset, DatasetRow
from playground.runs.models import Run
from playground.teams.access import personal_workspace

from .conftest import STEPS, add_fake_provider

pytestmark = pytest.mark.browser


def no_sideways_scroll(page):
    assert page.evaluate("document.getElementById('main').scrollWidth <= innerWidth"), "the page scrolls sideways"


def shot_of(person, page, name):
    """A numbered screenshot of another tab of the person's, in the journey's order."""
    STEPS[person.folder] = STEPS.get(person.folder, 0) + 1
    person.folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(person.folder / f"{STEPS[person.folder]:02d}-{person.user.username}-{name}.png"), caret="initial")


def no_csp_violations(page):
    assert page.evaluate("window.__cspViolations || []") == []


def test_a_run_with_variables_becomes_a_test_case(people, fake_provider, size):
    ada = people("ada", "add-to-dataset", size)
    workspace = personal_workspace(ada.user)
    add_fake_provider(workspace, fake_provider)
    capitals = Dataset.objects.create(workspace=workspace, author=ada.user, name="Capitals", columns=["country", "expected"])
    DatasetRow.objects.create(dataset=capitals, position=0, values={"country": "France", "expected": "Paris"})
    page = ada.page

    ada.sign_in()
    ada.wait_connected()
    ada.set_field("#f-model", "fake-gpt@tokens=6")
    ada.close_panel()
    page.locator(".message[data-role=user] .message-content").fill("What is the capital of {{country}}?")
    box = page.locator("#variables textarea[name='variables.country']")
    expect(box).to_be_visible(timeout=5000)
    box.fill("Peru")
    ada.shot("variable-filled")
    page.locator(".message[data-role=user] .message-content").focus()
    page.keyboard.press("Control+Enter")

    card = page.locator(".run").last
    expect(card.locator(".run-status")).to_have_text("Done", timeout=20_000)
    offer = card.locator(".run-dataset")
    expect(offer).to_be_visible()
    offer.scroll_into_view_if_needed()
    ada.expect_pinned_shell()
    ada.shot("card-offers-the-dataset")
    run = Run.objects.get()
    answer = run.choices[0]["content"]
    assert run.variables == {"country": "Peru"} and answer

    # From the card: into the existing dataset, the answer as the expected value.
    with page.expect_popup() as opened:
        offer.click()
    form = opened.value
    expect(form.locator("h1")).to_have_text("Add this case to a dataset")
    expect(form.locator(".xrowvalues")).to_contain_text("Peru")
    expect(form.locator(".xanswer")).not_to_be_empty()
    form.select_option("#dataset", label="Capitals")
    form.check("#use_answer")
    no_sideways_scroll(form)
    shot_of(ada, form, "choose-the-dataset")
    form.get_by_role("button", name="Add the row").click()
    expect(form.locator("h1")).to_have_text("Added to “Capitals”")
    expect(form.locator("[role=status]")).to_contain_text("Row 2")
    expect(form.locator("#added-row")).to_contain_text("Peru")
    expect(form.locator("#added-row .is-expected dd")).to_have_text(re.compile(re.escape(answer.strip()[:30])))
    no_sideways_scroll(form)
    shot_of(ada, form, "what-was-added")
    form.click("#open-dataset")
    expect(form.locator("h1")).to_have_text("Capitals")
    expect(form.locator(".dgrid textarea[name=country]")).to_have_count(2)
    expect(form.locator(".dgrid textarea[name=country]").nth(1)).to_have_value("Peru")
    expect(form.locator(".dgrid textarea[name=expected]").nth(1)).to_have_value(answer)
    no_csp_violations(form)
    form.close()
    rows = list(capitals.rows.order_by("position").values_list("values", flat=True))
    assert rows == [{"country": "France", "expected": "Paris"}, {"country": "Peru", "expected": answer}]

    # From the variable boxes: the next case, into a new dataset, the expected value typed.
    box.fill("Kenya")
    add_values = page.locator("#variables button", has_text="Add these values to a dataset")
    expect(add_values).to_be_visible()
    with page.expect_popup() as opened:
        add_values.click()
    form = opened.value
    expect(form.locator(".xrowvalues")).to_contain_text("Kenya")
    form.fill("#new_name", "Found cases")
    form.fill("#expected", "Nairobi")
    form.get_by_role("button", name="Add the row").click()
    expect(form.locator("h1")).to_have_text("Added to “Found cases”")
    expect(form.locator("#added-row")).to_contain_text("Nairobi")
    shot_of(ada, form, "added-from-the-boxes")
    no_csp_violations(form)
    form.close()
    found = Dataset.objects.get(name="Found cases")
    assert found.workspace == workspace and list(found.rows.values_list("values", flat=True)) == [{"country": "Kenya", "expected": "Nairobi"}]

    # Back later: the reopened session's card still offers it.
    page.reload()
    ada.wait_connected()
    expect(page.locator(".run").last.locator(".run-dataset")).to_be_visible()
    ada.expect_pinned_shell()
    ada.shot("reopened")
    ada.expect_no_errors()
