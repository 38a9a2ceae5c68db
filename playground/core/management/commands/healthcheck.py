"""Container health check: GET /healthz on this machine, with a Host header ALLOWED_HOSTS accepts."""

import http.client
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Exit 0 when http://127.0.0.1:$PORT/healthz answers 200."

    def handle(self, *args, **options):
        host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "localhost")
        connection = http.client.HTTPConnection("127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=4)
        try:
            # X-Forwarded-Proto keeps the production HTTPS redirect from answering instead.
            connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
            response = connection.getresponse()
            body = response.read().decode(errors="replace")
        except OSError as exc:
            raise CommandError(f"health check failed: {exc}") from None
        if response.status != 200:
            raise CommandError(f"health check failed: {response.status} {body}")
        self.stdout.write(body)
