"""In a real browser: the parameter panel sends only what the user set, and follows a pasted body."""

import json

import pytest
from playwright.sync_api import expect

from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential
from tests.live import ARTIFACTS

pytestmark = pytest.mark.browser


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_it_starts_with_only_stream_set(signed_in_page):
    page = signed_in_page
    expect(page.locator("#panel-set-count")).to_have_text("1 set")
    expect(page.locator('.param[data-param="stream"]')).to_have_class("param is-set")
    expect(page.locator('.message[data-role="user"] .message-content')).to_be_focused()
    screenshot(page, "panel-empty")
    page.fill("#panel-search", "token ids")
    expect(page.locator(".param:visible")).to_have_count(1)
    expect(page.locator('.param[data-param="logit_bias"]')).to_be_visible()
    page.fill("#panel-search", "")
    expect(page.locator('.param[data-param="temperature"]')).to_be_visible()
    page.emulate_media(color_scheme="dark")
    screenshot(page, "panel-empty-dark")
    assert page.console_errors == []


def open_group(page, key):
    group = page.locator(f"details[data-group={key}]")
    if group.get_attribute("open") is None:
        group.locator("> summary").click()


def raw_body(page) -> dict:
    """The body as the server builds it from the fields (the raw JSON dialog)."""
    page.click("#open-raw")
    expect(page.locator("#raw-dialog")).to_be_visible()
    expect(page.locator("#raw-json")).not_to_have_value("")
    return json.loads(page.input_value("#raw-json"))


def test_it_sends_exactly_the_options_set_through_the_controls(signed_in_page):
    page = signed_in_page
    page.fill("#f-model", "gpt-4o-mini")
    page.fill(".message[data-role='user'] .message-content", "What's the weather in Paris?")
    page.locator('[data-slider-for="f-temperature"]').fill("0.7")
    expect(page.locator("#f-temperature")).to_have_value("0.7")
    open_group(page, "logprobs")
    page.select_option("#f-logprobs", "true")
    expect(page.locator("#f-top_logprobs")).to_be_enabled()
    open_group(page, "length")
    page.fill("#f-stop", "\\n\\n")

    page.fill("#f-logit_bias-main", "hello")
    chip = page.locator(".token-chip").first
    expect(chip).to_be_visible(timeout=10_000)
    token_id = chip.get_attribute("data-token-id")
    chip.click()
    page.locator('[data-editor="token-bias"] .row-value').fill("-100")

    open_group(page, "output")
    page.select_option("#f-response_format-main", "json_schema")
    page.fill("#f-response_format-name", "weather")
    page.check("#f-response_format-strict")
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
              "additionalProperties": False}
    page.fill("#f-response_format-schema", json.dumps(schema))
    screenshot(page, "panel-options-set")

    body = raw_body(page)
    assert set(body) == {"model", "messages", "stream", "temperature", "logprobs", "stop", "logit_bias",
                         "response_format"}
    assert body["temperature"] == 0.7
    assert body["logprobs"] is True
    assert body["stop"] == ["\n\n"]
    assert body["logit_bias"] == {token_id: -100}
    assert body["response_format"] == {"type": "json_schema",
                                       "json_schema": {"name": "weather", "strict": True, "schema": schema}}
    assert body["messages"] == [{"role": "user", "content": "What's the weather in Paris?"}]
    assert page.console_errors == []


PASTED = {
    "model": "o3",
    "messages": [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "-3 C, snow"},
    ],
    "top_p": 0.5,
    "max_completion_tokens": 50,
    "stop": "END\n",
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "metadata": {"team": "search"},
    "modalities": ["text"],
    "not_a_parameter": 1,
}


def test_it_fills_the_controls_from_a_pasted_body(signed_in_page):
    page = signed_in_page
    page.click("#open-raw")
    page.fill("#raw-json", "{\n  \"model\": \"o3\",\n  \"top_p\": 0.5,\n}")
    page.click("#raw-apply")
    expect(page.locator("[data-raw-error]")).to_contain_text("line 4, column 1")

    page.fill("#raw-json", json.dumps(PASTED, indent=2))
    page.click("#raw-apply")
    expect(page.locator("[data-raw-unknown]")).to_contain_text("not_a_parameter")
    page.click("#raw-dialog [data-close-dialog]")

    expect(page.locator("#f-model")).to_have_value("o3")
    for group in ("length", "output", "tools", "metadata", "deprecated"):
        open_group(page, group)
    expect(page.locator("#f-top_p")).to_have_value("0.5")
    expect(page.locator("#f-stream")).to_have_value("")
    expect(page.locator("#f-stop")).to_have_value("END\\n")
    expect(page.locator("#f-max_tokens")).to_be_disabled()
    expect(page.locator(".tool-card .tool-name")).to_have_value("get_weather")
    expect(page.locator("#f-tool_choice")).to_have_value('{"type":"function","function":{"name":"get_weather"}}')
    expect(page.locator('[data-editor="key-values"] .row-key')).to_have_value("team")
    expect(page.locator("#f-modalities")).to_be_checked()
    expect(page.locator("#system-message")).to_have_value("Be terse.")
    expect(page.locator(".message .call-name")).to_have_value("get_weather")
    expect(page.locator(".message[data-role=tool] .tool-call-id")).to_have_value("call_1")

    pasted = {key: value for key, value in PASTED.items() if key != "not_a_parameter"}
    pasted["stop"] = ["END\n"]
    assert raw_body(page) == pasted
    page.click("#raw-dialog [data-close-dialog]")
    page.locator('.param[data-param="tools"]').scroll_into_view_if_needed()
    screenshot(page, "panel-pasted")
    assert page.console_errors == []


def test_it_shows_the_servers_errors_at_their_fields(signed_in_page):
    page = signed_in_page
    page.fill("#f-temperature", "3")
    expect(page.locator("#errors-temperature")).not_to_be_empty(timeout=10_000)
    expect(page.locator("#f-temperature")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-temperature")).to_have_value("3")
    page.fill("#f-temperature", "1.5")
    expect(page.locator("#errors-temperature")).to_be_empty(timeout=10_000)


def test_it_lists_models_shows_code_and_keeps_presets(signed_in_page, live_server_url, fake_provider):
    page = signed_in_page
    credential = ProviderCredential(workspace=personal_workspace(page.user), name="Fake", kind="compatible",
                                    base_url=fake_provider.base_url)
    credential.set_api_key("sk-test-browser")
    credential.save()
    page.reload()
    page.select_option("#f-provider", label="Fake")
    expect(page.locator("#f-provider")).to_have_value(credential.public_id)
    expect(page.locator("#model-options option").first).to_be_attached(timeout=10_000)
    model = page.locator("#model-options option").first.get_attribute("value")
    page.fill("#f-model", model)
    page.fill("#f-temperature", "0.3")

    page.click("#open-code")
    expect(page.locator("#code-curl")).to_contain_text(f"{fake_provider.base_url}/chat/completions")
    expect(page.locator("#code-curl")).to_contain_text("$OPENAI_API_KEY")
    expect(page.locator("#code-dialog")).not_to_contain_text("sk-test-browser")
    page.click("#code-tab-python")
    expect(page.locator("#code-python")).to_be_visible()
    expect(page.locator("#code-python")).to_contain_text("client.chat.completions.create(**body)")
    screenshot(page, "panel-code")
    page.click("#code-dialog [data-close-dialog]")

    page.fill("#preset-name", "Cool")
    page.click("#preset-save")
    expect(page.locator(".preset-load")).to_have_text("Cool")
    page.click("#unset-all")
    expect(page.locator("#f-temperature")).to_have_value("")
    page.click(".preset-load")
    expect(page.locator("#f-temperature")).to_have_value("0.3")
    expect(page.locator("#f-stream")).to_have_value("true")
    assert page.console_errors == []


def test_it_edits_messages_of_every_role_and_keeps_the_json_in_step(signed_in_page):
    page = signed_in_page
    page.fill("#system-message", "Be brief.")
    user = page.locator(".message[data-role=user]")
    user.locator(".message-content").fill("Describe this")
    user.locator('[data-action="add-image"]').click()
    user.locator(".part-url").fill("https://example.com/cat.png")
    user.locator(".part-detail").select_option("low")
    user.locator('[data-action="add-audio"]').click()
    user.locator(".part-file").set_input_files(files=[{"name": "clip.mp3", "mimeType": "audio/mpeg", "buffer": b"ID3abc"}])
    expect(user.locator(".part-status")).to_contain_text("clip.mp3")

    page.select_option("#add-message-role", "assistant")
    page.click("#add-message")
    assistant = page.locator(".message[data-role=assistant]")
    assistant.locator(".message-content").fill("Line one\nLine two\nLine three")
    assistant.locator('[data-action="up"]').click()

    page.click(".messages-json > summary")
    messages = json.loads(page.input_value("#f-messages"))
    assert messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "assistant", "content": "Line one\nLine two\nLine three"},
        {"role": "user", "content": [
            {"type": "text", "text": "Describe this"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": "SUQzYWJj", "format": "mp3"}},
        ]},
    ]
    box = page.locator(".message[data-role=assistant] .message-content").bounding_box()
    assert box["height"] > 60  # grown to its three lines

    page.fill("#f-messages", json.dumps([{"role": "tool", "tool_call_id": "call_9", "content": "42"}]))
    expect(page.locator(".message[data-role=tool] .tool-call-id")).to_have_value("call_9")
    expect(page.locator("#system-message")).to_have_value("")
    page.fill("#f-messages", "[{")
    expect(page.locator("[data-messages-json-error]")).to_contain_text("line 1, column 3")
    assert page.console_errors == []
