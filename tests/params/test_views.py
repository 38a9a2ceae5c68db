"""The panel's server side: validation at the fields, view code, token lookup, the model list and
presets, each for the signed-in user's workspace only."""

import json
import re
import shlex
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.urls import reverse

from playground.params.body import body_from_form
from playground.params.models import Preset
from playground.params.registry import PARAMS
from playground.params.tokenizer import token_ids
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.providers.models import ProviderCredential
from playground.teams.models import Membership, Role, Workspace

BASE_FORM = {"model": "gpt-4o", "messages": json.dumps([{"role": "user", "content": "Hi"}])}


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob(make_user):
    return make_user("bob")


def html(response) -> str:
    return response.content.decode()


# Validation


def test_it_shows_errors_at_their_fields_and_keeps_the_values(signed_in):
    form = {**BASE_FORM, "temperature": "5", "top_p": "abc", "logit_bias": "{oops", "seed": "7"}
    response = signed_in.post(reverse("params:validate"), form, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["X-Params-Valid"] == "false"
    page = html(response)
    errors = dict(re.findall(r'id="errors-(\w+)"[^>]*>(.*?)</ul>', page, re.S))
    assert "Enter a number." in errors["top_p"]
    assert "line 1, column 2" in errors["logit_bias"]
    assert errors["temperature"].strip()
    assert errors["seed"].strip() == ""
    # Error lists only: the swap never replaces what the user typed.
    assert "<input" not in page and "<textarea" not in page


def test_it_accepts_a_valid_form_and_gives_hints(signed_in):
    form = {**BASE_FORM, "model": "o3", "max_tokens": "100", "stream": "true"}
    response = signed_in.post(reverse("params:validate"), form)
    assert response["X-Params-Valid"] == "true"
    assert "Reasoning models" in html(response)


def test_it_lets_a_draft_lack_model_and_messages(signed_in):
    response = signed_in.post(reverse("params:validate") + "?draft=1", {"messages": "[]", "temperature": "1"})
    assert response["X-Params-Valid"] == "true"
    response = signed_in.post(reverse("params:validate"), {"messages": "[]"})
    assert response["X-Params-Valid"] == "false"


def test_it_reports_strict_schema_rules_at_response_format(signed_in):
    response_format = {"type": "json_schema", "json_schema": {
        "name": "w", "strict": True, "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}
    response = signed_in.post(reverse("params:validate"), {**BASE_FORM, "response_format": json.dumps(response_format)})
    errors = dict(re.findall(r'id="errors-(\w+)"[^>]*>(.*?)</ul>', html(response), re.S))
    assert "additionalProperties" in errors["response_format"]


def test_it_needs_a_login_to_validate(client, db):
    response = client.post(reverse("params:validate"), BASE_FORM)
    assert response.status_code == 302


# The body, and a body back into fields


def test_it_gives_the_body_the_fields_describe_in_reading_order(signed_in):
    form = {**BASE_FORM, "stop": ["END\\n", ""], "temperature": "1", "seed": "x"}
    answer = signed_in.post(reverse("params:body"), form).json()
    assert answer["body"] == {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}],
                              "temperature": 1, "stop": ["END\n"]}
    assert list(answer["body"])[:2] == ["model", "messages"]
    assert json.loads(answer["text"]) == answer["body"]
    assert answer["errors"] == {"seed": ["Enter a whole number."]}


def fill(client, text) -> dict:
    return client.post(reverse("params:fill"), {"text": text}).json()


def test_it_turns_a_pasted_body_into_field_values(signed_in):
    answer = fill(signed_in, json.dumps({"model": "o3", "temperature": 1.0, "stop": "END\n", "messages": [],
                                         "tool_choice": {"type": "function", "function": {"name": "f"}}, "foo": 1}))
    values = answer["values"]
    assert values["model"] == ["o3"] and values["temperature"] == ["1.0"] and values["stop"] == ["END\\n"]
    assert values["messages"] == ["[]"]
    assert values["tool_choice"] == ['{"type":"function","function":{"name":"f"}}']
    assert values["top_p"] == []
    assert answer["unknown"] == ["foo"] and answer["errors"] == {}


def test_it_points_at_bad_json_and_refuses_a_body_that_is_not_an_object(signed_in):
    answer = fill(signed_in, '{\n  "model": "o3",\n}')
    assert answer["errors"] == {"__all__": ["Invalid JSON on line 3, column 1: Expecting property name enclosed in double quotes."]}
    assert answer["at"] == {"line": 3, "column": 1} and answer["values"] == {}
    assert fill(signed_in, "[1]")["errors"] == {"__all__": ["The request body must be a JSON object: { … }."]}


@pytest.mark.parametrize("text, error, at", [
    ("[" * 100_000 + "]" * 100_000, "Invalid JSON on line 1, column 65: this JSON is nested 100000 levels deep", (1, 65)),
    ('{"model": "o3",\n "temperature": NaN}', "Invalid JSON on line 2, column 17: NaN is not a JSON number.", (2, 17)),
])
def test_it_points_at_deep_or_non_finite_json_in_a_pasted_body(signed_in, text, error, at):
    answer = fill(signed_in, text)
    assert answer["errors"]["__all__"][0].startswith(error)
    assert answer["at"] == {"line": at[0], "column": at[1]} and answer["values"] == {}


def test_fields_filled_from_a_body_give_that_body_back(signed_in):
    from .samples import SAMPLES

    body = {**SAMPLES, "messages": [{"role": "user", "content": "Hi"}]}
    values = fill(signed_in, json.dumps(body))["values"]
    rebuilt = signed_in.post(reverse("params:body"), {name: v for name, v in values.items() if v}).json()
    assert rebuilt["errors"] == {}
    assert rebuilt["body"] == {**body, "stop": body["stop"]}


def test_it_needs_a_login_for_body_and_fill(client, db):
    assert client.post(reverse("params:body"), BASE_FORM).status_code == 302
    assert client.post(reverse("params:fill"), {"text": "{}"}).status_code == 302


# One parser: what the user typed is the same number everywhere (issue 11)


@pytest.mark.parametrize(("typed", "sent"), [("1", 1), ("0.5", 0.5), ("1.0", 1.0)])
def test_a_typed_temperature_is_the_same_in_view_code_validation_and_the_body(signed_in, typed, sent):
    form = {**BASE_FORM, "temperature": typed}
    body = signed_in.post(reverse("params:body"), form).json()["body"]
    assert body["temperature"] == sent and type(body["temperature"]) is type(sent)
    blocks = code_blocks(signed_in.post(reverse("params:code"), form))
    curl = shlex.split(blocks["curl"].replace("\\\n", " "))
    assert f'"temperature": {typed}' in curl[curl.index("-d") + 1]
    assert signed_in.post(reverse("params:validate"), form)["X-Params-Valid"] == "true"


def test_an_underscored_number_is_refused_everywhere_with_one_message(signed_in):
    form = {**BASE_FORM, "max_completion_tokens": "1_000"}
    response = signed_in.post(reverse("params:validate"), form)
    assert response["X-Params-Valid"] == "false"
    assert "Enter a whole number." in dict(re.findall(r'id="errors-(\w+)"[^>]*>(.*?)</ul>', html(response), re.S))["max_completion_tokens"]
    assert signed_in.post(reverse("params:body"), form).json()["errors"] == {"max_completion_tokens": ["Enter a whole number."]}
    code = html(signed_in.post(reverse("params:code"), form))
    assert "max_completion_tokens" in code and "Enter a whole number." in code
    assert "1_000" not in "".join(code_blocks(signed_in.post(reverse("params:code"), form)).values())


# View code


def code_blocks(response) -> dict[str, str]:
    import html as html_module

    blocks = re.findall(r'<code id="code-(\w+)">(.*?)</code>', html(response), re.S)
    return {key: html_module.unescape(text) for key, text in blocks}


def test_it_shows_code_with_a_placeholder_key_and_the_exact_body(signed_in, alice, settings):
    settings.OPENAI_API_KEY = "sk-real-secret-key"
    form = {**BASE_FORM, "temperature": "0.5", "stop": ["it's\\n", ""], "stream": "true", "provider": "default"}
    response = signed_in.post(reverse("params:code"), form)
    assert response.status_code == 200
    assert "sk-real-secret-key" not in html(response)
    blocks = code_blocks(response)
    assert set(blocks) == {"curl", "python", "javascript"}
    expected = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0.5,
                "stop": ["it's\n"], "stream": True}
    curl = shlex.split(blocks["curl"].replace("\\\n", " "))
    assert json.loads(curl[curl.index("-d") + 1]) == expected
    assert "Authorization: Bearer $OPENAI_API_KEY" in curl
    assert 'os.environ["OPENAI_API_KEY"]' in blocks["python"]
    python_body = re.search(r"^body = (.*?)\n\ncompletion", blocks["python"], re.S | re.M)[1]
    assert eval(python_body, {}) == expected  # noqa: S307  (our own generated literal)
    assert "process.env.OPENAI_API_KEY" in blocks["javascript"]
    assert json.loads(re.search(r"^const body = (.*?);\n", blocks["javascript"], re.S | re.M)[1]) == expected


def test_it_points_code_at_a_workspace_provider(signed_in, alice):
    credential = ProviderCredential(workspace=personal_workspace(alice), name="Local", kind="compatible",
                                    base_url="http://127.0.0.1:9/v1")
    credential.set_api_key("sk-stored-secret")
    credential.save()
    response = signed_in.post(reverse("params:code"), {**BASE_FORM, "provider": credential.public_id})
    assert "http://127.0.0.1:9/v1/chat/completions" in code_blocks(response)["curl"]
    assert "sk-stored-secret" not in html(response)


# Token lookup


def test_it_looks_up_the_token_ids_of_a_word(signed_in):
    response = signed_in.get(reverse("params:tokens"), {"word": "hello", "model": "gpt-4o"})
    ids = re.findall(r'data-token-id="(\d+)"', html(response))
    assert ids == [str(token["id"]) for token in token_ids("hello", "gpt-4o")]
    assert "o200k_base" in html(response)


def test_it_uses_the_vocabulary_of_older_models(signed_in):
    response = signed_in.get(reverse("params:tokens"), {"word": "hello", "model": "gpt-3.5-turbo"})
    assert "cl100k_base" in html(response)


# Model list


@pytest.fixture
def fake_credential(alice, fake_provider):
    credential = ProviderCredential(workspace=personal_workspace(alice), name="Fake", kind="compatible",
                                    base_url=fake_provider.base_url)
    credential.set_api_key("sk-test")
    credential.save()
    cache.clear()
    return credential


def test_it_lists_the_providers_models(signed_in, fake_credential):
    response = signed_in.get(reverse("params:models"), {"provider": fake_credential.public_id})
    assert response.status_code == 200
    options = re.findall(r'<option value="([^"]+)">', html(response))
    assert options and options == sorted(options)
    assert "(cached)" not in html(response)
    again = signed_in.get(reverse("params:models"), {"provider": fake_credential.public_id})
    assert "(cached)" in html(again)
    refreshed = signed_in.get(reverse("params:models"), {"provider": fake_credential.public_id, "refresh": "1"})
    assert "(cached)" not in html(refreshed)


def test_it_shows_the_providers_error_and_allows_free_text(signed_in, fake_credential, fake_provider):
    fake_credential.base_url = f"{fake_provider.origin}/nowhere"
    fake_credential.save()
    response = signed_in.get(reverse("params:models"), {"provider": fake_credential.public_id})
    assert response.status_code == 200
    assert 'role="alert"' in html(response)
    assert "type any model name" in html(response)


def test_it_hides_another_workspaces_provider(signed_in, bob, fake_provider):
    credential = ProviderCredential(workspace=personal_workspace(bob), name="Bob's", kind="compatible",
                                    base_url=fake_provider.base_url)
    credential.save()
    response = signed_in.get(reverse("params:models"), {"provider": credential.public_id})
    assert response.status_code == 404


# Presets


def save(client, name, **fields):
    return client.post(reverse("params:preset_save"), {**BASE_FORM, "preset_name": name, **fields})


def test_it_saves_a_preset_without_the_messages(signed_in, alice):
    response = save(signed_in, "Precise", temperature="0.2", stream="true")
    assert "Saved “Precise”" in html(response)
    preset = Preset.objects.get(workspace=personal_workspace(alice), name="Precise")
    assert preset.params == {"model": "gpt-4o", "temperature": 0.2, "stream": True}
    assert preset.created_by == alice


def test_it_updates_a_preset_saved_again_under_its_name(signed_in, alice):
    save(signed_in, "Precise", temperature="0.2")
    response = save(signed_in, "Precise", temperature="0.3")
    assert "Updated" in html(response)
    assert Preset.objects.get(name="Precise").params["temperature"] == 0.3


def test_it_refuses_a_preset_with_unreadable_options(signed_in):
    response = save(signed_in, "Broken", logit_bias="{nope")
    assert "logit_bias" in html(response)
    assert not Preset.objects.exists()


def test_it_needs_a_preset_name(signed_in):
    response = save(signed_in, "  ")
    assert "Give the preset a name." in html(response)


def test_it_lists_loads_renames_and_deletes_presets(signed_in, alice):
    save(signed_in, "Precise", temperature="0.2")
    preset = Preset.objects.get()
    listing = signed_in.get(reverse("params:presets"))
    assert "Precise" in html(listing)
    loaded = signed_in.get(reverse("params:preset_load", args=[preset.public_id])).json()
    assert {key: loaded[key] for key in ("id", "name", "params")} == {
        "id": preset.public_id, "name": "Precise", "params": {"model": "gpt-4o", "temperature": 0.2}}
    # The values that load it: its own, every other option cleared, the messages left alone.
    assert loaded["values"]["temperature"] == ["0.2"] and loaded["values"]["model"] == ["gpt-4o"]
    assert loaded["values"]["seed"] == [] and "messages" not in loaded["values"]
    signed_in.post(reverse("params:preset_rename", args=[preset.public_id]), {"name": "Careful"})
    preset.refresh_from_db()
    assert preset.name == "Careful"
    signed_in.post(reverse("params:preset_delete", args=[preset.public_id]))
    assert not Preset.objects.exists()


def test_it_refuses_to_rename_onto_an_existing_name(signed_in):
    save(signed_in, "One")
    save(signed_in, "Two")
    one = Preset.objects.get(name="One")
    response = signed_in.post(reverse("params:preset_rename", args=[one.public_id]), {"name": "Two"})
    assert "exists already" in html(response)
    one.refresh_from_db()
    assert one.name == "One"


def test_it_hides_another_workspaces_presets(signed_in, bob):
    theirs = Preset.objects.create(workspace=personal_workspace(bob), name="Secret", params={"seed": 1})
    assert "Secret" not in html(signed_in.get(reverse("params:presets")))
    for name in ("preset_load",):
        assert signed_in.get(reverse(f"params:{name}", args=[theirs.public_id])).status_code == 404
    for name in ("preset_rename", "preset_delete"):
        assert signed_in.post(reverse(f"params:{name}", args=[theirs.public_id]), {"name": "x"}).status_code == 404
    assert Preset.objects.get(pk=theirs.pk).name == "Secret"


def test_it_lets_teammates_share_presets_but_not_viewers_change_them(client, alice, bob):
    team = Workspace.objects.create(name="Team")
    Membership.objects.create(workspace=team, user=alice, role=Role.EDITOR)
    Membership.objects.create(workspace=team, user=bob, role=Role.VIEWER)
    preset = Preset.objects.create(workspace=team, name="Shared", params={"seed": 1})
    client.force_login(bob)
    session = client.session
    session[SESSION_WORKSPACE_KEY] = team.public_id
    session.save()
    assert "Shared" in html(client.get(reverse("params:presets")))
    assert client.get(reverse("params:preset_load", args=[preset.public_id])).status_code == 200
    assert save(client, "Mine").status_code == 403
    assert client.post(reverse("params:preset_delete", args=[preset.public_id])).status_code == 403
    assert Preset.objects.filter(pk=preset.pk).exists()


# The page


class Controls(HTMLParser):
    """Form controls by name, the ids labels point at, and the values the page starts with."""

    def __init__(self):
        super().__init__()
        self.ids_by_name: dict[str, list[str]] = {}
        self.label_targets: set[str] = set()
        self.values: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag in ("input", "select", "textarea") and name:
            self.ids_by_name.setdefault(name, []).append(attrs.get("id"))
        if tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        if tag == "select":
            self._select = name
        if tag == "option" and self._select and "selected" in attrs:
            self.values.setdefault(self._select, []).append(attrs.get("value", ""))
        if tag == "textarea":
            self._textarea = name
        if tag == "input" and name and (attrs.get("type") != "checkbox" or "checked" in attrs):
            self.values.setdefault(name, []).append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values.setdefault(self._textarea, []).append(data)


def page_controls(client) -> Controls:
    controls = Controls()
    controls.feed(html(client.get("/")))
    return controls


def test_the_page_has_a_labelled_control_named_after_each_parameter(signed_in):
    controls = page_controls(signed_in)
    for param in PARAMS:
        ids = controls.ids_by_name.get(param.name)
        assert ids, f"no form field named {param.name}"
        assert ids[0] in controls.label_targets, f"no <label for> on the {param.name} field"


def test_the_page_gives_each_option_its_rules_as_data(signed_in):
    page = html(signed_in.get("/"))

    def rules(name):
        found = re.search(rf'data-param="{name}"[^>]*data-rules="([^"]*)"', page)
        return json.loads(unescape(found[1])) if found else None

    assert rules("top_logprobs")["needs"] == [
        {"field": "logprobs", "value": "true", "message": "Top logprobs needs Logprobs turned on."}]
    assert rules("max_completion_tokens")["conflicts"] == [
        {"fields": ["max_tokens"], "message": "Set Max completion tokens or Max tokens, not both."}]
    assert rules("audio")["requiredWhen"][0]["field"] == "modalities"
    assert rules("temperature") is None
    named = re.search(r'name="tool_choice"[^>]*data-named-choice="([^"]*)"', page)
    assert json.loads(unescape(named[1]))["source"] == "tools"
    assert 'id="params-registry"' not in page  # the browser gets no list of options to parse by


def test_the_page_starts_with_only_stream_set(signed_in):
    values = page_controls(signed_in).values
    options = {name: value for name, value in values.items() if name not in ("messages", "provider")}
    body, errors = body_from_form(QueryDict(urlencode(options, doseq=True)))
    assert (body, errors) == ({"stream": True}, {})


@pytest.mark.parametrize("field, value, words", [
    ("messages", "[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
    ("response_format", '{"type": "json_schema", "json_schema": {"name": "w", "schema": {"maximum": NaN}}}', "NaN is not a JSON number"),
    ("logit_bias", '{"50256": -Infinity}', "-Infinity is not a JSON number"),
])
def test_it_answers_deep_or_non_finite_json_at_its_field(signed_in, field, value, words):
    response = signed_in.post(reverse("params:validate"), {**BASE_FORM, field: value})
    assert response.status_code == 200 and response["X-Params-Valid"] == "false"
    errors = dict(re.findall(r'id="errors-(\w+)"[^>]*>(.*?)</ul>', html(response), re.S))
    assert words in errors[field]
