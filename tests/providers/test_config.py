"""ProviderConfig: endpoint URLs of each kind, authentication headers, and a repr without secrets."""

import pytest

from playground.providers.config import DEFAULT_AZURE_API_VERSION, ProviderConfig

KEY = "sk-config-secret-123456"


def test_it_builds_openai_urls_without_a_trailing_slash():
    config = ProviderConfig("OpenAI", "openai", "https://api.openai.com/v1/ ", KEY)

    assert config.base_url == "https://api.openai.com/v1"
    assert config.chat_url("gpt-4o") == "https://api.openai.com/v1/chat/completions"
    assert config.models_url() == "https://api.openai.com/v1/models"


def test_it_sends_a_bearer_key_and_merges_extra_headers():
    config = ProviderConfig("Local", "compatible", "http://127.0.0.1:8080/v1", KEY,
                            extra_headers={"OpenAI-Organization": "org-1", "Accept": "text/plain"})

    headers = config.headers("text/event-stream", json_body=True)

    assert headers["Authorization"] == f"Bearer {KEY}"
    assert headers["OpenAI-Organization"] == "org-1"
    assert headers["Accept"] == "text/plain"
    assert headers["Content-Type"] == "application/json"


def test_it_sends_no_authorization_without_a_key():
    config = ProviderConfig("Local", "compatible", "http://127.0.0.1:8080/v1", "")

    assert "Authorization" not in config.headers()


def test_it_builds_azure_urls_from_the_resource_endpoint():
    config = ProviderConfig("Azure", "azure", "https://team.openai.azure.com/", KEY, api_version="2024-06-01")

    assert config.chat_url("my gpt") == (
        "https://team.openai.azure.com/openai/deployments/my%20gpt/chat/completions?api-version=2024-06-01")
    assert config.models_url() == "https://team.openai.azure.com/openai/models?api-version=2024-06-01"
    assert config.fixed_deployment is None


def test_it_accepts_an_azure_endpoint_ending_in_openai_and_defaults_the_version():
    config = ProviderConfig("Azure", "azure", "https://team.openai.azure.com/openai", KEY)

    assert config.chat_url("gpt-4o") == ("https://team.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
                                         f"?api-version={DEFAULT_AZURE_API_VERSION}")


def test_it_takes_the_deployment_and_version_from_an_azure_deployment_url():
    config = ProviderConfig(
        "Azure", "azure", "https://team.openai.azure.com/openai/deployments/prod-gpt/chat/completions"
                          "?api-version=2025-01-01-preview", KEY)

    assert config.fixed_deployment == "prod-gpt"
    assert config.chat_url("ignored") == ("https://team.openai.azure.com/openai/deployments/prod-gpt/"
                                          "chat/completions?api-version=2025-01-01-preview")


def test_it_sends_the_azure_key_in_an_api_key_header():
    headers = ProviderConfig("Azure", "azure", "https://team.openai.azure.com", KEY).headers()

    assert headers["api-key"] == KEY
    assert "Authorization" not in headers


def test_it_needs_a_model_for_an_azure_endpoint():
    with pytest.raises(ValueError, match="deployment"):
        ProviderConfig("Azure", "azure", "https://team.openai.azure.com", KEY).chat_url(None)


@pytest.mark.parametrize("kind, base_url", [
    ("anthropic", "https://api.openai.com/v1"),
    ("openai", "ftp://example.com/v1"),
    ("openai", "api.openai.com/v1"),
    ("openai", "https://api.openai.com/v1?key=1"),
])
def test_it_refuses_unknown_kinds_and_bad_base_urls(kind, base_url):
    with pytest.raises(ValueError):
        ProviderConfig("Bad", kind, base_url, KEY)


def test_it_never_shows_the_key_or_header_values():
    config = ProviderConfig("OpenAI", "openai", "https://api.openai.com/v1", KEY,
                            extra_headers={"X-Gateway-Token": "gw-secret-987654", "X-Fake-Fault": "malformed"})

    shown = f"{config!r} {config} {config.redacted()}"

    assert KEY not in shown
    assert "gw-secret-987654" not in shown
    assert config.redacted()["api_key"] == "set"
    assert "X-Gateway-Token" in shown
    assert config.secrets() == [KEY, "gw-secret-987654", "malformed"]


def test_it_counts_every_header_value_and_a_url_password_as_secret():
    config = ProviderConfig("Gateway", "compatible", "https://user:url-pass-77@gw.example/v1", KEY,
                            extra_headers={"X-Org": "acme", "X-Custom-Pass": "hunter2"})
    assert sorted(config.secrets()) == sorted([KEY, "acme", "hunter2", "url-pass-77"])
