from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "playground.conversations"

    def ready(self):
        from playground.runs.signals import run_finished

        from .search import reindex_after_run

        # A session's search text and facets follow its runs: rebuilt once per finished run.
        run_finished.connect(reindex_after_run, dispatch_uid="conversations.reindex_after_run")
