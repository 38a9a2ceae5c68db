from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "playground.runs"

    def ready(self):
        from . import shutdown

        shutdown.install()
