"""In a real browser: the server alone turns the panel into a request. The panel's live notes come
from the registry's rules, a typed number is the same number in View code, raw JSON and the run,
an unreadable field blocks Run with the field named, compare tabs say what differs, and the panel
works at phone width."""

import json
import re

import pytest
from playwright.sync_api import expect

from playground.runs.models import Run
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def open_group(page, key):
    group = page.locator(f"details[data-group={key}]")
    if group.get_attribute("open") is None:
        group.locator("> summary").click()


def note(page, name):
    return page.locator(f'.param[data-param="{name}"] [data-rule-note]')


def prompt(page, text):
    page.locator(".message[data-role=user] .message-content").last.fill(text)


def test_it_notes_the_registrys_rules_as_the_user_edits(signed_in_page):
    page = signed_in_page
    for group in ("logprobs", "length", "output", "audio", "deprecated"):
        open_group(page, group)
    expect(page.locator("#f-top_logprobs")).to_be_disabled()
    expect(note(page, "top_logprobs")).to_have_text("Top logprobs needs Logprobs turned on.")
    page.select_option("#f-logprobs", "true")
    expect(page.locator("#f-top_logprobs")).to_be_enabled()
    expect(note(page, "top_logprobs")).to_be_hidden()

    page.fill("#f-max_completion_tokens", "100")
    expect(page.locator("#f-max_tokens")).to_be_disabled()
    expect(note(page, "max_tokens")).to_have_text("Set Max completion tokens or Max tokens, not both.")
    page.click('.param[data-param="max_completion_tokens"] [data-unset]')
    expect(page.locator("#f-max_tokens")).to_be_enabled()

    page.check("#f-modalities-audio")
    expect(note(page, "audio")).to_contain_text("needs a voice and a format")
    expect(page.locator("#f-audio-main")).to_be_enabled()  # advice: still usable
    page.select_option("#f-audio-main", "alloy")
    expect(note(page, "audio")).to_be_hidden()

    page.locator('[data-use-example="functions"]').click()
    expect(page.locator("#f-tools-main")).to_be_disabled()
    expect(note(page, "tools")).to_contain_text("not both")
    expect(page.locator("#f-tool_choice")).to_be_disabled()
    page.locator('.param[data-param="functions"]').scroll_into_view_if_needed()
    screenshot(page, "panel-rules")
    assert page.console_errors == []


def test_a_typed_one_is_one_in_view_code_raw_json_the_run_and_the_store(playground, fake_provider):
    page = playground
    page.fill("#f-model", "fake-gpt")
    prompt(page, "Say hi")
    page.fill("#f-temperature", "1")
    page.click("#open-code")
    expect(page.locator("#code-curl")).to_contain_text('"temperature": 1,')
    page.click("#code-dialog [data-close-dialog]")
    page.click("#open-raw")
    expect(page.locator("#raw-json")).to_have_value(re.compile(r'"temperature": 1,\n'))
    page.click("#raw-dialog [data-close-dialog]")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)
    run = Run.objects.get()
    assert run.request["temperature"] == 1 and isinstance(run.request["temperature"], int)
    assert json.loads(fake_provider.requests[-1].body)["temperature"] == 1
    assert b'"temperature":1}' in fake_provider.requests[-1].body  # 1, not 1.0, on the wire
    assert page.console_errors == []


def test_an_unreadable_schema_blocks_the_run_with_the_field_named(playground, fake_provider):
    page = playground
    page.fill("#f-model", "fake-gpt")
    prompt(page, "Weather in Paris as JSON")
    open_group(page, "output")
    page.select_option("#f-response_format-main", "json_schema")
    page.fill("#f-response_format-name", "weather")
    page.fill("#f-response_format-schema", '{"type": "object",')
    note = page.locator('[data-editor="schema-format"] [data-local-error]')
    expect(note).to_contain_text("JSON Schema: Invalid JSON on line 1")
    page.click("#run-button")
    expect(page.locator("#run-feedback")).to_contain_text("Response format", timeout=10_000)
    expect(page.locator("#run-feedback")).to_have_attribute("data-kind", "error")
    # The server refused the option (its message is kept for the run bar), but the field says it
    # once: the note at the box, in the user's own line numbers.
    expect(page.locator("#errors-response_format")).to_contain_text("Invalid JSON")
    expect(page.locator("#errors-response_format")).to_be_hidden()
    expect(page.locator("#run-feedback")).to_contain_text("JSON Schema: Invalid JSON on line 1")
    assert page.locator('[data-param="response_format"]').evaluate("el => el.innerText.split('Invalid JSON').length - 1") == 1
    expect(page.locator("#run-button")).to_be_enabled()
    screenshot(page, "panel-invalid-schema")
    assert Run.objects.count() == 0
    assert [request for request in fake_provider.requests if request.method == "POST"] == []

    page.fill("#f-response_format-schema", '{"type": "object", "properties": {}, "additionalProperties": false}')
    page.click("#run-button")
    expect(page.locator(".run .run-status")).to_have_text("Done", timeout=15_000)
    assert Run.objects.get().request["response_format"]["json_schema"]["schema"]["type"] == "object"


def test_it_preselects_the_providers_first_model(playground):
    page = playground
    expect(page.locator("#model-options option").first).to_be_attached(timeout=10_000)
    first = page.locator("#model-options option").first.get_attribute("value")
    expect(page.locator("#f-model")).to_have_value(first)


def column_tab(page, number):
    return page.locator(".column-tab").nth(number - 1)


def test_compare_tabs_say_what_differs_and_follow_the_panel(playground):
    page = playground
    page.fill("#f-model", "fake-gpt@tokens=20,delay=5")
    prompt(page, "Describe a river")
    page.fill("#f-temperature", "0.2")
    page.click("#add-column")
    page.fill("#f-temperature", "0.9")
    page.click("#add-column")
    page.fill("#f-model", "fake-gpt-mini@tokens=20")
    page.fill("#f-temperature", "1.6")
    expect(page.locator(".column-tab")).to_have_count(3)
    expect(column_tab(page, 1)).to_contain_text("Temperature 0.2")
    expect(column_tab(page, 2)).to_contain_text("Temperature 0.9")
    expect(column_tab(page, 3)).to_contain_text("fake-gpt-mini@tokens=20")  # the changed model, at once
    expect(column_tab(page, 3)).to_contain_text("Temperature 1.6")
    expect(column_tab(page, 3)).to_have_attribute("aria-pressed", "true")
    screenshot(page, "compare-tabs")

    column_tab(page, 2).click()
    page.click('.param[data-param="temperature"] [data-unset]')
    expect(column_tab(page, 2)).to_contain_text("Temperature unset")
    page.fill("#f-temperature", "0.9")
    expect(column_tab(page, 2)).to_contain_text("Temperature 0.9")

    column_tab(page, 1).click()
    expect(page.locator("#f-temperature")).to_have_value("0.2")
    expect(page.locator("#f-model")).to_have_value("fake-gpt@tokens=20,delay=5")
    page.keyboard.press("Control+Enter")
    row = page.locator(".comparison")
    expect(row.locator(".run .run-status")).to_have_text(["Done", "Done", "Done"], timeout=20_000)
    expect(row.locator(".comparison-title")).to_contain_text("Model, Temperature differ")
    runs = list(Run.objects.order_by("column"))
    assert [run.request["temperature"] for run in runs] == [0.2, 0.9, 1.6]
    assert runs[2].model == "fake-gpt-mini@tokens=20"

    # Reopened, the session puts every column back as it was sent.
    page.goto(f"{page.url.split('/s/')[0]}/s/{runs[0].conversation.public_id}/")
    expect(page.locator(".column-tab")).to_have_count(3)
    expect(column_tab(page, 2)).to_contain_text("Temperature 0.9")
    expect(page.locator("#f-temperature")).to_have_value("0.2")
    assert page.console_errors == []


PHONE = {"width": 390, "height": 844}


def test_the_panel_is_usable_at_phone_width(playground):
    page = playground
    page.set_viewport_size(PHONE)
    # On a phone the panel is a drawer, opened from the header.
    panel = page.locator("#panel")
    page.click("[data-drawer=panel]")
    expect(panel).to_be_in_viewport()
    width = page.evaluate("document.querySelector('#panel').clientWidth")
    assert width <= PHONE["width"]
    page.wait_for_timeout(300)  # the drawer's slide
    overflow = page.evaluate("""() => [...document.querySelectorAll('#panel .param, #panel .model-picker, #panel .panel-foot')]
        .filter((element) => element.getBoundingClientRect().right > document.querySelector('#panel').getBoundingClientRect().right + 1)
        .map((element) => element.dataset.param || element.className)""")
    assert overflow == []
    page.fill("#f-model", "fake-gpt")
    page.locator('[data-slider-for="f-temperature"]').fill("0.7")
    expect(page.locator("#f-temperature")).to_have_value("0.7")
    open_group(page, "tools")
    page.click("#f-tools-main")
    expect(page.locator(".tool-card")).to_have_count(1)
    screenshot(page, "panel-phone")
    page.click("#open-raw")
    expect(page.locator("#raw-json")).to_have_value(re.compile(r'"temperature": 0.7'))
    box = page.locator("#raw-dialog").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    body = json.loads(page.input_value("#raw-json"))
    body["seed"] = 7
    page.fill("#raw-json", json.dumps(body))
    page.click("#raw-apply")
    expect(page.locator("#raw-dialog")).to_be_hidden()
    open_group(page, "sampling")
    expect(page.locator("#f-seed")).to_have_value("7")
    screenshot(page, "panel-phone-after-raw")
    page.click("#add-column")
    page.fill("#f-temperature", "1.2")
    page.locator("#column-tabs").scroll_into_view_if_needed()
    expect(page.locator(".column-tab")).to_have_count(2)
    expect(column_tab(page, 2)).to_contain_text("Temperature 1.2")
    box = page.locator("#column-tabs").bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "compare-tabs-phone")
    assert page.console_errors == []
