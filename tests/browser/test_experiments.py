"""Journeys through experiments in a real browser: build a dataset from pasted rows, set up and run a
5 × 3 experiment, watch it stream, close and reopen mid-run, stop all, re-run failures, filter by a
failing check, rate a cell, judge blind, share and fork. Screenshots of each step go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from playground.experiments.models import Cell, Experiment
from playground.providers.models import ProviderCredential
from playground.teams.access import personal_workspace
from tests.experiments.helpers import make_experiment
from tests.live import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "question\texpected\nCapital of France?\tParis\nCapital of Japan?\tTokyo\nCapital of Peru?\tLima\nCapital of Kenya?\tNairobi\nCapital of Chile?\tSantiago"
SLOW = "fake-gpt@tokens=40,delay=60"


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"experiments-{name}.png"), full_page=False)


@pytest.fixture
def signed_in(signed_in_page, fake_provider):
    credential = ProviderCredential(workspace=personal_workspace(signed_in_page.user), name="Fake", kind="compatible",
                                    base_url=fake_provider.base_url)
    credential.set_api_key("sk-browser-test")
    credential.save()
    return signed_in_page


def build_dataset(page, origin):
    page.goto(f"{origin}/experiments/")
    page.fill("#id_dataset_name", "Capitals")
    page.click("#new-dataset button[type=submit]")
    expect(page.locator("h1")).to_have_text("Capitals")
    page.fill("#paste-box", ROWS)
    page.click("text=Add pasted rows")
    expect(page.locator(".dgrid form.drow")).to_have_count(5)
    expect(page.locator(".dgrid textarea[name=question]").first).to_have_value("Capital of France?")
    expect(page.locator(".dgrid textarea[name=expected]").nth(4)).to_have_value("Santiago")
    shot(page, "1-dataset")


def set_up_experiment(page, origin):
    page.goto(f"{origin}/experiments/")
    page.fill("#new-experiment input[name=title]", "Capitals, three ways")
    page.select_option("#new-experiment select[name=dataset]", label="Capitals")
    page.click("#new-experiment button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Set up")
    template = page.locator("#template textarea[data-content]").first
    template.fill("Answer in one word: {{question}}")
    expect(page.locator("#template-variables code.xvar")).to_have_text("question")
    page.click("text=Save the template")
    expect(page.locator("#template textarea[data-content]").first).to_have_value("Answer in one word: {{question}}")
    first = page.locator("[data-variant-form]").first
    first.locator("input[name=model]").fill(SLOW)
    first.locator("button[type=submit]").first.click()
    for temperature in ("0.2", "1.4"):
        new = page.locator("#variant-new")
        new.locator("input[name=model]").fill(SLOW)
        new.locator("summary", has_text="Options").click()
        new.locator("input[name=temperature]").fill(temperature)
        new.locator("text=Add variant").click()
    expect(page.locator("[data-variant-form]:not(#variant-new)")).to_have_count(3)
    page.select_option("[data-check-form] select[name=kind]", "contains")
    page.fill("[data-check-form] input[name=text]", "the")
    page.click("text=Add check")
    page.select_option("[data-check-form] select[name=kind]", "tokens")
    page.fill("[data-check-form] input[name=max]:visible", "35")
    page.click("text=Add check")
    expect(page.locator("#checks .xlist li")).to_have_count(2)
    shot(page, "2-setup")
    page.click("text=Go to the grid")
    expect(page.locator("table.xgrid tbody.xrows tr")).to_have_count(5)
    expect(page.locator("th.xvarhead")).to_have_count(3)
    # Only what differs heads each column: the temperature, labelled by the registry.
    expect(page.locator("th.xvarhead").nth(1)).to_contain_text("Temperature")


def test_a_dataset_from_pasted_rows_run_as_a_5x3_experiment(signed_in, live_server_url, browser):
    page, origin = signed_in, live_server_url
    build_dataset(page, origin)
    set_up_experiment(page, origin)
    experiment_url = page.url
    expect(page.locator("#socket-status")).to_have_text("Connected")
    expect(page.locator("#run-all")).to_have_text("Run all")
    page.click("#run-all")
    # Cells stream: a running cell's text grows before it ends.
    running = page.locator(".xcell[data-state=running] [data-text]")
    expect(running.first).not_to_have_text("", timeout=15_000)
    expect(page.locator("#stop-all")).to_be_enabled()
    # Nothing left to start while every cell is queued or running.
    expect(page.locator("#run-all")).to_have_text("Running…")
    expect(page.locator("#run-all")).to_be_disabled()
    shot(page, "3-streaming")

    # Close the tab mid-run and open the experiment again: it went on, and the page shows it live.
    page.goto(f"{origin}/experiments/")
    page.goto(experiment_url)
    expect(page.locator("#socket-status")).to_have_text("Connected")
    expect(page.locator("[data-progress-text]")).to_contain_text("running", timeout=10_000)
    expect(page.locator(".xcell[data-state=done]").first).to_be_visible(timeout=20_000)

    # Stop all while some cells still wait.
    page.click("#stop-all")
    expect(page.locator("#stop-all")).to_be_disabled(timeout=20_000)
    expect(page.locator(".xcell[data-state=running]")).to_have_count(0)
    stopped = page.locator(".xcell[data-state=cancelled]").count()
    not_run = page.locator(".xcell[data-state=idle]").count()
    assert stopped + not_run > 0
    shot(page, "4-stopped")

    # Re-run the failed (stopped) ones, then the rest.
    if stopped:
        expect(page.locator("#rerun-failed")).to_have_text(f"Re-run failed ({stopped})")
        page.click("#rerun-failed")
        expect(page.locator(".xcell[data-state=cancelled]")).to_have_count(0, timeout=30_000)
    expect(page.locator("#run-all")).to_be_enabled(timeout=30_000)
    if page.locator("#run-all").is_enabled():
        page.click("#run-all")
    expect(page.locator(".xcell[data-state=done]")).to_have_count(15, timeout=60_000)
    expect(page.locator("#stop-all")).to_be_disabled(timeout=10_000)
    expect(page.locator("[data-progress-text]")).to_contain_text("15 done")
    # The summary row caught up: every variant has a pass rate.
    expect(page.locator(".xsumcell").first).to_contain_text("%", timeout=10_000)
    shot(page, "5-done")
    experiment = Experiment.objects.get()
    assert Cell.objects.filter(experiment=experiment, state="done").count() == 15
    assert all(cell.run.status == "completed" for cell in Cell.objects.filter(experiment=experiment).select_related("run"))

    # A failing number filters the rows; "Show every row" brings them back.
    rate = page.locator(".xsumcell").first.locator("dd a").first
    rate.click()
    expect(page.locator(".xfilter")).to_be_visible()
    shot(page, "6-filtered")
    page.click("text=Show every row")
    # Every row failed that number, so the count alone cannot tell the two grids apart: the filter's
    # note leaving says the unfiltered rows are in.
    expect(page.locator(".xfilter")).to_have_count(0)
    expect(page.locator("table.xgrid tbody.xrows tr")).to_have_count(5)

    # Open a cell and rate it: the rating shows with the rater's name.
    page.locator(".xcell-open").first.click()
    dialog = page.locator("#cell-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".xanswer")).not_to_be_empty()
    dialog.locator("textarea[name=comment]").fill("Short and right.")
    dialog.locator("button", has_text="Good").click()
    expect(dialog.locator(".xrating-list")).to_contain_text(page.user.username)
    expect(dialog.locator(".xrating-list")).to_contain_text("Short and right.")
    shot(page, "7-cell")
    dialog.locator("[data-close-dialog]").click()

    # Blind review: answers unlabelled; the pick reveals which was which.
    page.goto(f"{experiment_url}blind")
    expect(page.locator(".xblind-answer")).to_have_count(3)
    assert page.locator(".xblind-answer .xvarletter").count() == 0
    shot(page, "8-blind")
    page.locator(".xblind-answer button").first.click()
    expect(page.locator(".xreveal")).to_contain_text("Answer 1 was")
    expect(page.locator(".xtable tbody tr").first).to_contain_text("%")
    page.click("text=It's a tie")
    expect(page.locator(".xreveal")).to_contain_text("tie")
    shot(page, "9-blind-revealed")

    # Share read-only by link; someone else forks it into their own workspace.
    page.goto(f"{experiment_url}share")
    page.check("input[value=signed_in]")
    page.click("text=Make link")
    link = page.locator("#share-url").input_value()
    other = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        visitor = other.new_page()
        from tests.factories import make_user  # noqa: PLC0415

        make_user("bob", password="correct horse battery staple")
        visitor.goto(f"{origin}/accounts/login/")
        visitor.fill("#id_username", "bob")
        visitor.fill("#id_password", "correct horse battery staple")
        visitor.click("button[type=submit]")
        visitor.wait_for_url(f"{origin}/")
        visitor.goto(link)
        expect(visitor.locator("h1")).to_have_text("Capitals, three ways")
        expect(visitor.locator(".xcell[data-state=done]")).to_have_count(15)
        assert visitor.locator("#run-all").count() == 0
        shot(visitor, "10-shared")
        visitor.click("button:text-is(\"Fork\")")
        expect(visitor.locator("h1")).to_have_text("Capitals, three ways")
        expect(visitor).to_have_url(re.compile(r"/experiments/[\w-]+/$"))
        expect(visitor.locator(".xcell[data-state=done]")).to_have_count(15)
    finally:
        other.close()
    assert Experiment.objects.count() == 2
    assert page.console_errors == []


def test_a_cell_opens_while_the_grid_is_reloading(signed_in, live_server_url):
    """The grid reloads on its own (a filter, a page, lost events); opening a cell meanwhile must not
    wait for that reload, nor be dropped by it."""
    page, origin = signed_in, live_server_url
    provider = ProviderCredential.objects.get(workspace=personal_workspace(page.user), name="Fake")
    experiment = make_experiment(page.user, provider, rows=2, models=("fake-gpt@tokens=4",),
                                 checks=(("contains", {"text": "zzz-never"}),))
    page.goto(f"{origin}/experiments/{experiment.public_id}/")
    expect(page.locator("#socket-status")).to_have_text("Connected")
    page.click("#run-all")
    expect(page.locator(".xcell[data-state=done]")).to_have_count(2, timeout=20_000)
    expect(page.locator(".xsumcell").first).to_contain_text("%", timeout=10_000)

    held = []
    page.route(re.compile(r"/grid(\?|$)"), lambda route: held.append(route))
    page.locator(".xsumcell").first.locator("dd a").first.click()  # the rows failing "All checks"
    for _ in range(100):  # the route's handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    page.locator(".xcell-open").first.click()
    dialog = page.locator("#cell-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".xanswer")).not_to_be_empty()
    assert held, "the grid's reload was not under way while the cell opened"
    for route in held:
        route.continue_()
    page.unroute(re.compile(r"/grid(\?|$)"))
    expect(page.locator(".xfilter")).to_be_visible()
    expect(dialog).to_be_visible()
    assert page.console_errors == []


def test_the_experiment_works_on_a_phone(signed_in, live_server_url, browser):
    page, origin = signed_in, live_server_url
    build_dataset(page, origin)
    set_up_experiment(page, origin)
    url = page.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=page.context.storage_state())
    try:
        mobile = phone.new_page()
        mobile.goto(url)
        expect(mobile.locator("#socket-status")).to_have_text("Connected")
        mobile.on("dialog", lambda dialog: dialog.accept())  # "Run these cells again?"
        mobile.locator("tr[data-row]").first.locator("text=Re-run row").click()
        expect(mobile.locator("tr[data-row]").first.locator(".xcell[data-state=done]")).to_have_count(3, timeout=30_000)
        shot(mobile, "phone-grid")
        # The content never scrolls sideways: the grid scrolls in its own box. (The top bar is the
        # playground's, which folds into a menu on phones once that lands.)
        assert mobile.evaluate("document.getElementById('main').scrollWidth") <= 390
        mobile.goto(f"{origin}/experiments/")
        mobile.locator("a", has_text="Capitals").last.click()
        shot(mobile, "phone-dataset")
        assert mobile.evaluate("document.getElementById('main').scrollWidth") <= 390
    finally:
        phone.close()


def test_prompt_variables_in_the_playground(signed_in, live_server_url):
    page, origin = signed_in, live_server_url
    page.goto(f"{origin}/")
    expect(page.locator("#socket-status")).to_have_text("Connected")
    page.select_option("#f-provider", label="Fake")
    page.fill("input[name=model]", "fake-gpt@tokens=5")
    page.locator(".message[data-role=user] textarea").last.fill("What is the capital of {{country}}?")
    box = page.locator("#variables textarea[name='variables.country']")
    expect(box).to_be_visible(timeout=5000)
    # Run without a value: refused, naming the variable.
    page.keyboard.press("Control+Enter")
    expect(page.locator("#runbar-messages, .runbar-messages").first).to_contain_text("country", timeout=5000)
    box.fill("Peru")
    shot(page, "playground-variables")
    page.locator(".message[data-role=user] textarea").last.focus()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status").last).to_have_text(re.compile("Done|Completed", re.I), timeout=20_000)
    from playground.runs.models import Run  # noqa: PLC0415

    run = Run.objects.get()
    assert run.request["messages"][-1]["content"] == "What is the capital of Peru?"
    assert run.variables == {"country": "Peru"}
