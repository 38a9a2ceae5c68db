"""Provider credentials: owners manage them, secrets are write-only, URLs are checked, and the
connection test lists models or shows the provider's error."""

import pytest
from django.urls import reverse

from playground.fakeprovider.server import BAD_KEY
from playground.providers.models import ProviderCredential
from playground.teams.models import MASK

from tests.factories import SECRET_HEADER, SECRET_KEY, make_credential, text

NEW = {"name": "OpenRouter", "kind": "compatible", "base_url": "https://openrouter.ai/api/v1", "api_version": "",
       "api_key": "sk-or-new-key-123456789", "extra_headers": '{"HTTP-Referer": "https://example.com"}'}


def edit(team, **changes):
    data = {"name": team.credential.name, "kind": "compatible", "base_url": team.credential.base_url,
            "api_version": "", "api_key": "", "extra_headers": "", **changes}
    url = reverse("providers:edit", args=[team.workspace.public_id, team.credential.public_id])
    return team.client("owner").post(url, data)


def test_it_lets_an_owner_add_a_provider(team):
    response = team.client("owner").post(reverse("providers:new", args=[team.workspace.public_id]), NEW)
    assert response.url == reverse("providers:list", args=[team.workspace.public_id])
    credential = ProviderCredential.objects.get(name="OpenRouter")
    assert credential.api_key() == "sk-or-new-key-123456789"
    assert credential.extra_headers() == {"HTTP-Referer": "https://example.com"}
    assert "sk-or-new-key" not in credential.api_key_encrypted


def test_it_lists_providers_with_secrets_masked(team):
    html = text(team.client("viewer").get(reverse("providers:list", args=[team.workspace.public_id])))
    assert "Gateway" in html and "https://api.example.com/v1" in html
    assert f"X-Gateway-Token: {MASK}" in html
    assert SECRET_KEY not in html and SECRET_HEADER not in html
    assert "Edit" not in html and "Test connection" not in html


def test_it_shows_the_default_provider_read_only(team, settings):
    settings.OPENAI_API_KEY = "sk-env-key-SHOULD-NOT-SHOW"
    html = text(team.client("owner").get(reverse("providers:list", args=[team.workspace.public_id])))
    assert "Default" in html and "set by the server (OPENAI_API_KEY)" in html
    assert "sk-env-key" not in html
    assert reverse("providers:edit", args=[team.workspace.public_id, "default"]) not in html


def test_it_keeps_the_stored_key_and_headers_when_left_blank(team):
    response = edit(team, name="Gateway 2")
    assert response.status_code == 302
    team.credential.refresh_from_db()
    assert team.credential.name == "Gateway 2"
    assert team.credential.api_key() == SECRET_KEY
    assert team.credential.extra_headers() == {"X-Gateway-Token": SECRET_HEADER}


def test_it_replaces_or_clears_secrets_on_request(team):
    edit(team, api_key="sk-rotated-999999999", extra_headers='{"X-Team": "blue"}')
    team.credential.refresh_from_db()
    assert team.credential.api_key() == "sk-rotated-999999999"
    assert team.credential.extra_headers() == {"X-Team": "blue"}
    edit(team, clear_api_key="on", clear_extra_headers="on")
    team.credential.refresh_from_db()
    assert team.credential.api_key() == "" and team.credential.extra_headers() == {}


def test_it_never_renders_secrets_back_into_the_edit_form(team):
    url = reverse("providers:edit", args=[team.workspace.public_id, team.credential.public_id])
    html = text(team.client("owner").get(url))
    assert "Stored key: <strong>" + MASK in html
    assert SECRET_KEY not in html and SECRET_HEADER not in html
    failed = edit(team, api_key=SECRET_KEY, base_url="not a url")
    assert failed.status_code == 400
    assert SECRET_KEY not in text(failed)


@pytest.mark.parametrize("headers, message", [
    ("[1, 2]", "Enter a JSON object"),
    ("{oops", "This is not valid JSON"),
    ('{"Bad Header": "x"}', "is not a valid header name"),
    ('{"X-N": 5}', "must be a string on one line"),
    ('{"Host": "x"}', "set by the playground itself"),
    ('{"X-Org": "Société"}', "The value of X-Org has a character HTTP headers cannot carry at position 5"),
    ('{"X-Org": "a\\u0000b"}', "The value of X-Org has a character HTTP headers cannot carry at position 2"),
    ('{"X-Équipe": "blue"}', "is not a valid header name"),
    ('{"X-Org": NaN}', "NaN is not a JSON number"),
    ("[" * 100_000 + "]" * 100_000, "nested 100000 levels deep"),
])
def test_it_explains_bad_extra_headers(team, headers, message):
    response = edit(team, extra_headers=headers)
    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.parametrize("key", ["sk-caf\u00e9-0123456789", "sk-\u201cquoted\u201d-0123", "sk-zero\u200bwidth-0123"])
def test_it_refuses_a_key_http_cannot_carry_without_echoing_it(team, key):
    response = edit(team, api_key=key)
    assert response.status_code == 400
    assert "The key has a character HTTP headers cannot carry" in text(response)
    assert key not in text(response)
    team.credential.refresh_from_db()
    assert team.credential.api_key() == SECRET_KEY


def test_it_refuses_to_run_or_test_a_stored_key_http_cannot_carry(team, fake_provider):
    # Saved before the form refused it: a clear message instead of a failure inside the HTTP client.
    credential = make_credential(team.workspace, name="Fake", base_url=fake_provider.base_url, key="sk-caf\u00e9-0123456789")
    html = text(team.client("owner").post(connection_test_url(team, credential)))
    assert "The API key holds a character HTTP headers cannot carry: edit the provider Fake" in html
    assert fake_provider.requests == []


def test_it_refuses_a_duplicate_name(team):
    make_credential(team.workspace, name="Other")
    response = edit(team, name="other")
    assert "already has a provider with that name" in text(response)


def test_it_refuses_an_api_version_for_other_kinds(team):
    assert "Only Azure providers take an API version" in text(edit(team, api_version="2024-10-21"))


def test_it_refuses_a_private_base_url_when_not_allowed(team, settings):
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    response = edit(team, base_url="http://localhost:11434/v1")
    assert response.status_code == 400
    assert "localhost, which resolves to 127.0.0.1, a loopback address" in text(response)


def test_it_deletes_a_provider_after_confirming(team):
    url = reverse("providers:delete", args=[team.workspace.public_id, team.credential.public_id])
    client = team.client("owner")
    assert "Delete Gateway?" in text(client.get(url))
    client.post(url)
    assert not ProviderCredential.objects.filter(pk=team.credential.pk).exists()


# Test connection


def connection_test_url(team, credential):
    return reverse("providers:test", args=[team.workspace.public_id, credential.public_id])


def test_it_lists_the_models_of_a_working_provider(team, fake_provider):
    credential = make_credential(team.workspace, name="Fake", base_url=fake_provider.base_url, headers={})
    html = text(team.client("editor").post(connection_test_url(team, credential)))
    assert "Connected:" in html and "fake-gpt" in html


def test_it_shows_the_providers_error_without_the_key(team, fake_provider):
    credential = make_credential(team.workspace, name="Fake", base_url=fake_provider.base_url, key=BAD_KEY)
    html = text(team.client("owner").post(connection_test_url(team, credential)))
    assert "HTTP 401: Incorrect API key provided." in html
    assert BAD_KEY not in html and SECRET_HEADER not in html


def test_it_checks_the_url_again_when_testing(team, fake_provider, settings):
    credential = make_credential(team.workspace, name="Fake", base_url=fake_provider.base_url)
    settings.ALLOW_PRIVATE_PROVIDER_URLS = False
    html = text(team.client("owner").post(connection_test_url(team, credential)))
    assert "a loopback address" in html
    assert fake_provider.requests == []


def test_it_does_not_let_viewers_test(team):
    assert team.client("viewer").post(connection_test_url(team, team.credential)).status_code == 403
