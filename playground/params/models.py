"""Presets: named sets of request options a workspace keeps, to load into the panel again."""

from django.conf import settings
from django.db import models

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams.models import Workspace

PRESET_NAME_LENGTH = 80


class Preset(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="presets")
    name = models.CharField(max_length=PRESET_NAME_LENGTH)
    # A request body without `messages`: the model (when one was chosen) and every option set.
    params = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="presets")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="unique_preset_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def option_count(self) -> int:
        return len([name for name in self.params if name != "model"])
