from django.apps import AppConfig


class FakeProviderConfig(AppConfig):
    name = "playground.fakeprovider"
    verbose_name = "Fake OpenAI-compatible provider"
