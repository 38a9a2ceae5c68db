"""Compare mode's column tabs: the server parses each column's fields and says what differs,
labelled from the registry, so a tab never shows a stale or cut-off model."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from playground.teams.access import personal_workspace
from playground.providers.models import ProviderCredential


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def tabs(client, *columns, active=0) -> list[str]:
    response = client.post(reverse("column_tabs"), json.dumps({"columns": [{"fields": f} for f in columns],
                                                                "active": active}), content_type="application/json")
    assert response.status_code == 200
    items = re.findall(r'<li class="column-tab-item[^"]*"[^>]*>(.*?)</li>', response.content.decode(), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


def test_it_heads_each_tab_with_its_model_and_what_differs(signed_in):
    shown = tabs(signed_in,
                 {"model": ["fake-gpt@tokens=30,delay=10"], "temperature": ["0.2"], "stream": ["true"]},
                 {"model": ["fake-gpt@tokens=30,delay=10"], "temperature": ["0.9"], "stream": ["true"]},
                 {"model": ["gpt-4o"], "stream": ["true"], "response_format": ['{"type": "json_object"}']})
    assert shown[0].startswith("1 fake-gpt@tokens=30,delay=10 ")
    assert "Temperature 0.2" in shown[0] and "Response format › type unset" in shown[0]
    assert "Temperature 0.9" in shown[1]
    assert shown[2].startswith("3 gpt-4o ") and "Temperature unset" in shown[2]
    assert "Response format › type json_object" in shown[2]
    assert not any("Stream" in tab for tab in shown)  # the same everywhere: not a difference


def test_it_reads_numbers_as_the_run_would(signed_in):
    same = tabs(signed_in, {"temperature": ["1"]}, {"temperature": ["1"]})
    assert "Temperature" not in " ".join(same)
    differ = tabs(signed_in, {"temperature": ["1"]}, {"temperature": ["1.0"]})
    assert "Temperature 1" in differ[0] and "Temperature 1.0" in differ[1]


def test_it_says_which_options_a_column_cannot_read(signed_in):
    shown = tabs(signed_in, {"max_completion_tokens": ["1_000"]}, {})
    assert "Can't read yet: max_completion_tokens" in shown[0]


def test_it_names_differing_providers(signed_in, alice):
    credential = ProviderCredential.objects.create(workspace=personal_workspace(alice), name="Other",
                                                   kind="compatible", base_url="http://127.0.0.1:9/v1")
    shown = tabs(signed_in, {"provider": [credential.public_id]}, {"provider": ["nope"]}, active=1)
    assert "Provider Other" in shown[0] and "Provider none" in shown[1]


def test_it_marks_the_active_tab(signed_in):
    response = signed_in.post(reverse("column_tabs"), json.dumps({"columns": [{"fields": {}}, {"fields": {}}],
                                                                   "active": 1}), content_type="application/json")
    assert re.findall(r'aria-pressed="(\w+)"', response.content.decode()) == ["false", "true"]


@pytest.mark.parametrize("payload", ["nope", "{}", '{"columns": []}', '{"columns": [{"fields": 1}]}',
                                     json.dumps({"columns": [{"fields": {}}] * 7})])
def test_it_refuses_what_is_not_columns(signed_in, payload):
    response = signed_in.post(reverse("column_tabs"), payload, content_type="application/json")
    assert response.status_code == 400


def test_it_needs_a_login(client, db):
    assert client.post(reverse("column_tabs"), "{}", content_type="application/json").status_code == 302
