"""A session: a named conversation in a workspace, holding its runs; and its share links."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams.models import Workspace

TITLE_LENGTH = 120
TAG_LENGTH = 40
MAX_TAGS = 12


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    WORKSPACE = "workspace", "Everyone in the workspace"


class Kind(models.TextChoices):
    SESSION = "session", "Session"
    # The runs of an experiment (experiments/): left out of the session list, found by search.
    EXPERIMENT = "experiment", "Experiment"


class Conversation(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=TITLE_LENGTH, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SESSION)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    tags = ArrayField(models.CharField(max_length=TAG_LENGTH), default=list, blank=True)
    pinned = models.BooleanField(default=False)
    # Title, prompts and answers as one weighted tsvector, rebuilt by search.reindex once per
    # finished run (never while a run streams).
    search_vector = SearchVectorField(null=True, editable=False)
    # The text the vector was made from (prompts and answers), for the snippet a search result shows.
    search_text = models.TextField(blank=True, default="", editable=False)
    # "model:…", "provider:…", "status:…" of its runs, kept with the search vector, so the history's
    # run filters are one GIN lookup instead of a scan of every run.
    run_facets = ArrayField(models.CharField(max_length=240), default=list, blank=True, editable=False)
    # A request imported without an answer: the page loads it into the panel.
    draft_request = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-updated_at"], name="conversation_recent"),
            # The history list: pinned first, newest first, deleted sessions left out.
            models.Index(fields=["workspace", "-pinned", "-updated_at", "-id"], name="conversation_history",
                         condition=Q(deleted_at=None)),
            GinIndex(fields=["search_vector"], name="conversation_search"),
            GinIndex(fields=["tags"], name="conversation_tags"),
            GinIndex(fields=["run_facets"], name="conversation_run_facets"),
        ]

    def __str__(self):
        return self.title or "Untitled session"

    @property
    def is_experiment(self) -> bool:
        return self.kind == Kind.EXPERIMENT

    def visible_to(self, user) -> bool:
        """Private sessions are their author's alone; the rest are for every workspace member."""
        return self.visibility != Visibility.PRIVATE or self.author_id == user.pk

    @staticmethod
    def title_from_prompt(text: str) -> str:
        """An automatic title: the first line of the first prompt, shortened on a word boundary."""
        line = " ".join((text or "").split())
        if len(line) <= 60:
            return line
        return line[:60].rsplit(" ", 1)[0] + "…"


class Audience(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed-in users with the link"
    ANYONE = "anyone", "Anyone with the link"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLink(models.Model):
    """A read-only link to a session. Only the token's hash is stored: the link is shown once."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(max_length=64, unique=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.SIGNED_IN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, conversation: Conversation, *, user, audience: str, expires_at=None) -> tuple["ShareLink", str]:
        """A new link (revoking the session's earlier ones) and its clear token, to show once."""
        token = secrets.token_urlsafe(32)
        cls.objects.filter(conversation=conversation, revoked_at=None).update(revoked_at=timezone.now())
        link = cls.objects.create(conversation=conversation, token_hash=hash_token(token), audience=audience,
                                  created_by=user, expires_at=expires_at)
        return link, token

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
