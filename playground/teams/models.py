"""Workspaces own everything a user can reach: sessions, presets, provider credentials."""

from django.conf import settings
from django.db import models

from playground.ids import PUBLIC_ID_LENGTH, new_public_id

from . import crypto


class Workspace(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=100)
    # Set for a user's personal workspace, which is made for them on first use and never shared.
    personal_for = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="personal_workspace"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OWNER, Role.EDITOR)

    @property
    def can_manage(self) -> bool:
        return self.role == Role.OWNER


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
    # Fernet token; the clear key is never stored, rendered or logged.
    api_key_encrypted = models.TextField(blank=True)
    extra_headers = models.JSONField(default=dict, blank=True)
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

    @property
    def masked_key(self) -> str:
        return "••••••••" if self.api_key_encrypted else "(none)"
