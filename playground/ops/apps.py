from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "playground.ops"

    def ready(self):
        from . import lifecycle

        lifecycle.install()
