"""list_models: the sorted ids a provider offers, or a ProviderError."""

import pytest

from playground.providers.client import list_models
from playground.providers.config import ProviderConfig
from playground.providers.errors import ProviderError


async def test_it_lists_model_ids_sorted(provider, fake_provider):
    models = await list_models(provider)

    assert models == ["fake-gpt", "fake-reasoner", "fake-slow"]
    assert fake_provider.requests[0].headers["authorization"] == f"Bearer {provider.api_key}"


async def test_it_fails_with_a_provider_error_for_a_refused_key(fake_provider):
    config = ProviderConfig("Fake", "openai", fake_provider.base_url, "bad-key")

    with pytest.raises(ProviderError) as caught:
        await list_models(config)

    assert (caught.value.kind, caught.value.status) == ("http", 401)
    assert "bad-key" not in str(caught.value)


async def test_it_lists_just_the_deployment_of_an_azure_deployment_url(fake_provider):
    config = ProviderConfig("Azure", "azure", f"{fake_provider.origin}/openai/deployments/prod-gpt", "key")

    assert await list_models(config) == ["prod-gpt"]
    assert fake_provider.requests == []
