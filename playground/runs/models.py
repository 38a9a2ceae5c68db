"""A run: one request to one provider, its exact body, what came back, and how long it took; and
what models cost in a workspace."""

import fnmatch

from django.conf import settings
from django.db import models

from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.teams.models import Workspace


class Status(models.TextChoices):
    STREAMING = "streaming", "Streaming"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    # Left "streaming" by a process that died; swept at the next start-up.
    INTERRUPTED = "interrupted", "Interrupted"


FINAL_STATUSES = (Status.COMPLETED, Status.CANCELLED, Status.FAILED, Status.INTERRUPTED)


class Run(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    # A run belongs to a session (conversations.Conversation), named here so runs/ imports nothing above it.
    conversation = models.ForeignKey("conversations.Conversation", on_delete=models.CASCADE, related_name="runs")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="runs")
    # The run this one continues (its request's messages end with that run's chosen answer):
    # runs form a tree per conversation, so editing an earlier turn branches instead of overwriting.
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    # Runs started together by one "Run" in compare mode share a comparison id; column orders them.
    comparison = models.CharField(max_length=PUBLIC_ID_LENGTH, blank=True, db_index=True)
    column = models.PositiveSmallIntegerField(default=0)

    provider_id = models.CharField(max_length=PUBLIC_ID_LENGTH, blank=True)
    provider_name = models.CharField(max_length=60)
    model = models.CharField(max_length=200)
    # The exact request body sent (never headers or keys).
    request = models.JSONField()
    # In compare mode each column continues its own answers, so its messages differ from the list
    # the composer held; that list is kept here (null when it is the request's own messages), so a
    # reopened session puts back the composer exactly as it was.
    shared_messages = models.JSONField(null=True, blank=True)
    # Prompt variables (params/templating.py): the messages as typed, with their {{name}}
    # placeholders, and the values filled in. `request` holds the filled body that was sent; both
    # are null for a run whose messages had nothing to fill.
    template = models.JSONField(null=True, blank=True)
    variables = models.JSONField(null=True, blank=True)
    # Started by a scheduler (an experiment's cells and model-graded checks), which keeps limits of
    # its own: such runs are not counted by the per-user limits of runs/limits.py.
    scheduled = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.STREAMING, db_index=True)
    # Per choice: content, refusal, tool_calls, logprobs, audio, finish_reason. Checkpointed while
    # streaming (at most once a second), complete once the run ends.
    choices = models.JSONField(default=list)
    # The assembled answer in the shape of CreateChatCompletionResponse, once finished.
    response = models.JSONField(null=True, blank=True)
    usage = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    # Seconds since started_at at which each chunk arrived, for playback.
    chunk_times = models.JSONField(default=list)
    # Characters of the first choice's text each chunk carried, aligned with chunk_times (playback).
    chunk_lengths = models.JSONField(default=list)
    notices = models.JSONField(default=list, blank=True)

    started_at = models.DateTimeField(auto_now_add=True)
    # Written by every checkpoint; a streaming run whose heartbeat stops was left by a dead process.
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    time_to_first_token = models.FloatField(null=True, blank=True)
    total_time = models.FloatField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True)
    # What the run cost in the workspace's prices when it finished (null without usage or a price),
    # stored so that totals over many runs are one SQL aggregate.
    cost = models.DecimalField(max_digits=16, decimal_places=8, null=True, blank=True)
    # The control channel of the task running it: cancel and backlog requests go there, from any process.
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "started_at"], name="run_in_conversation")]

    def __str__(self):
        return f"{self.model} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status == Status.STREAMING

    @property
    def finish_reasons(self) -> list:
        return [choice.get("finish_reason") for choice in self.choices]


class ModelPrice(models.Model):
    """What a model costs in a workspace, per million tokens; `pattern` is a glob like `gpt-4o*`."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="model_prices")
    pattern = models.CharField(max_length=200)
    input_per_million = models.DecimalField(max_digits=12, decimal_places=4)
    output_per_million = models.DecimalField(max_digits=12, decimal_places=4)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "pattern"], name="one_price_per_pattern")]
        ordering = ["pattern"]

    def __str__(self):
        return self.pattern

    def matches(self, model: str) -> bool:
        return fnmatch.fnmatchcase((model or "").lower(), self.pattern.lower())

    @property
    def specificity(self) -> tuple[bool, int]:
        # An exact name beats any glob; among globs, the longer one is the more specific.
        return (not any(c in self.pattern for c in "*?["), len(self.pattern))
