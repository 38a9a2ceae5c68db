"""Re-encrypt every provider credential's secrets under the first of ENCRYPTION_KEYS.

Rotation: put a new key first in ENCRYPTION_KEYS (keep the old ones after it), restart, run this
command, then drop the old keys."""

from django.core.management.base import BaseCommand
from django.db import transaction

from playground.providers.models import ProviderCredential


class Command(BaseCommand):
    help = "Re-encrypt all provider API keys and extra headers under the first key in ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            with_secrets = ProviderCredential.objects.exclude(api_key_encrypted="", extra_headers_encrypted="")
            for credential in with_secrets.select_for_update():
                credential.rotate_secrets()
                credential.save(update_fields=["api_key_encrypted", "extra_headers_encrypted"])
                rotated += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} credential(s) under the first key."))
