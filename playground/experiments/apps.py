from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "playground.experiments"

    def ready(self):
        from . import scheduler

        # A Daphne process resumes experiments whose driving process died (see scheduler.install).
        scheduler.install()
