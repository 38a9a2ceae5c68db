"""A session: a named conversation in a workspace, holding its runs."""

from django.conf import settings
from django.db import models

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams.models import Workspace

TITLE_LENGTH = 120


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    WORKSPACE = "workspace", "Everyone in the workspace"


class Conversation(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=TITLE_LENGTH, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-updated_at"], name="conversation_recent")]

    def __str__(self):
        return self.title or "Untitled session"

    @staticmethod
    def title_from_prompt(text: str) -> str:
        """An automatic title: the first line of the first prompt, shortened on a word boundary."""
        line = " ".join((text or "").split())
        if len(line) <= 60:
            return line
        return line[:60].rsplit(" ", 1)[0] + "…"
