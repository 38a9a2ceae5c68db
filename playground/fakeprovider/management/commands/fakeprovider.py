"""`manage.py fakeprovider --port 8100`: run the fake provider in the foreground, without the database."""

from django.core.management.base import BaseCommand

from playground.fakeprovider.server import DEFAULT_PORT, serve_forever


class Command(BaseCommand):
    help = "Run the fake OpenAI-compatible provider on 127.0.0.1 (for tests, demos and benchmarks)."
    # The fake provider needs neither the database nor the rest of the project checked.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="TCP port; 0 picks a free one")

    def handle(self, *args, port: int, **options):
        serve_forever(port, announce=self._announce)

    def _announce(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
