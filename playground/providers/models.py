"""Provider credentials: where a workspace's own providers live and their secrets, encrypted at rest."""

import json

from django.db import models

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams import crypto
from playground.teams.models import MASK, Workspace


class ProviderKind(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    AZURE = "azure", "Azure OpenAI"
    COMPATIBLE = "compatible", "OpenAI-compatible URL"


class ProviderCredential(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="providers")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=12, choices=ProviderKind.choices, default=ProviderKind.COMPATIBLE)
    base_url = models.URLField(max_length=500)
    api_version = models.CharField(max_length=40, blank=True, help_text="Azure only, e.g. 2024-10-21")
    # Fernet tokens; the clear key is never stored, rendered or logged. Extra headers often carry
    # gateway tokens, so their values are secrets too: the JSON object is encrypted as a whole.
    api_key_encrypted = models.TextField(blank=True)
    extra_headers_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_provider_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    def set_api_key(self, key: str) -> None:
        self.api_key_encrypted = crypto.encrypt(key) if key else ""

    def api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    def set_extra_headers(self, headers: dict[str, str]) -> None:
        self.extra_headers_encrypted = crypto.encrypt(json.dumps(headers)) if headers else ""

    def extra_headers(self) -> dict[str, str]:
        return json.loads(crypto.decrypt(self.extra_headers_encrypted)) if self.extra_headers_encrypted else {}

    @property
    def masked_key(self) -> str:
        return MASK if self.api_key_encrypted else "(none)"

    @property
    def masked_headers(self) -> list[str]:
        """Header names with their values hidden, for pages and the admin."""
        return [f"{name}: {MASK}" for name in self.extra_headers()]

    def rotate_secrets(self) -> None:
        """Re-encrypt under the first of ENCRYPTION_KEYS (after a new key was put in front)."""
        if self.api_key_encrypted:
            self.api_key_encrypted = crypto.rotate(self.api_key_encrypted)
        if self.extra_headers_encrypted:
            self.extra_headers_encrypted = crypto.rotate(self.extra_headers_encrypted)
