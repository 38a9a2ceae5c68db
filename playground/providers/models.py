"""Provider credentials: where a workspace's own providers live and their secrets, encrypted at rest.
Probe results: what the capability probe found each provider does with each request option."""

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams import crypto
from playground.teams.models import MASK, Workspace

from .probe import BY_KEY, IGNORED, REJECTED


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


class ProbeStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


# A probe still "running" after this long was left by a process that stopped (each of its requests
# is bounded by probe.REQUEST_SECONDS, and it sends a few dozen): it is shown as interrupted.
PROBE_STALE_AFTER = timedelta(minutes=30)

# The providers every workspace shares (from the server's environment): what a probe finds about
# them is true for every workspace, so their results belong to none.
SHARED_PROVIDER_IDS = ("default", "local")


class ProbeResultQuerySet(models.QuerySet):
    def of(self, workspace, provider_id: str) -> "ProbeResultQuerySet":
        """The results a workspace sees for one of its providers, newest first."""
        owner = models.Q(workspace=None) if provider_id in SHARED_PROVIDER_IDS else models.Q(workspace=workspace)
        return self.filter(owner, provider_id=provider_id).order_by("-started_at", "-pk")

    def latest_known(self, workspace, provider_id: str) -> "ProbeResult | None":
        """The newest probe that found anything (a finished one, or one cancelled part way)."""
        stale = models.Q(status=ProbeStatus.RUNNING, started_at__lt=timezone.now() - PROBE_STALE_AFTER)
        done = ~models.Q(status=ProbeStatus.RUNNING) | stale
        return self.of(workspace, provider_id).exclude(findings=[]).filter(done).first()


class ProbeResult(models.Model):
    """What the capability probe (providers/probe.py) found about one provider: per option honoured,
    ignored, rejected (with the server's message) or unknown, when, and which model answered."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    # None for the shared providers (SHARED_PROVIDER_IDS); a credential's workspace otherwise.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="probe_results")
    provider_id = models.CharField(max_length=PUBLIC_ID_LENGTH)
    provider_name = models.CharField(max_length=60)
    model = models.CharField(max_length=200)
    # The model the server said answered (some serve whatever they loaded, whatever is asked).
    server_model = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=ProbeStatus.choices, default=ProbeStatus.RUNNING)
    # [{key, verdict, evidence, status, message}] in providers.probe.CHECKS order.
    findings = models.JSONField(default=list, blank=True)
    requests = models.PositiveIntegerField(default=0)
    error = models.JSONField(null=True, blank=True)
    # Set by a Cancel from any process; the probe reads it between two requests.
    cancel_requested = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ProbeResultQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["provider_id", "started_at"], name="probe_of_provider")]

    def __str__(self):
        return f"{self.provider_name} · {self.model} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status == ProbeStatus.RUNNING and not self.is_stale

    @property
    def is_stale(self) -> bool:
        return self.status == ProbeStatus.RUNNING and timezone.now() - self.started_at > PROBE_STALE_AFTER

    def rows(self) -> list[dict]:
        """The findings with their checks' labels and options, for templates."""
        return [{**finding, "label": BY_KEY[finding["key"]].label, "params": BY_KEY[finding["key"]].params}
                for finding in self.findings if finding.get("key") in BY_KEY]

    def warnings_by_param(self) -> dict[str, list[dict]]:
        """Per request option, the findings that say the server ignores or rejects it."""
        warnings: dict[str, list[dict]] = {}
        for row in self.rows():
            if row["verdict"] in (IGNORED, REJECTED) and BY_KEY[row["key"]].panel:
                for param in row["params"]:
                    warnings.setdefault(param, []).append(row)
        return warnings
