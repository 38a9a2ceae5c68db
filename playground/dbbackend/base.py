"""Django database backend: the stock PostgreSQL backend, plus starting pgserver on demand."""

from pathlib import Path

from django.db.backends.postgresql import base

from .embedded import ensure_server

EMBEDDED_DATABASE = "playground"


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        # HOST is the server's data folder, which is also where its unix socket lives. Start the
        # server before any connection: tests first connect to "postgres" to create their database.
        ensure_server(Path(self.settings_dict["HOST"]), EMBEDDED_DATABASE)
        return super().get_new_connection(conn_params)
