"""Datasets (test cases) and experiments: a prompt template run over a dataset's rows in 1–6 variants,
each cell an ordinary Run, with checks, ratings and blind judgements.

An experiment keeps its runs in a Conversation of its own (kind "experiment"), so every run page
(playback, request, diff, cost) and every access rule of sessions apply to its cells unchanged.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from playground.conversations.models import Conversation
from playground.ids import PUBLIC_ID_LENGTH, new_public_id
from playground.runs.models import Run
from playground.teams.models import Workspace

NAME_LENGTH = 120
COLUMN_LENGTH = 64
# The optional column a dataset holds the expected answer in (checks compare against it).
EXPECTED = "expected"
MAX_VARIANTS = 6
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32


class Dataset(models.Model):
    """A named table of test cases: its columns are variable names, plus an optional `expected`."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="datasets")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    name = models.CharField(max_length=NAME_LENGTH)
    description = models.TextField(blank=True, max_length=2000)
    columns = ArrayField(models.CharField(max_length=COLUMN_LENGTH), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-updated_at"], name="dataset_recent")]

    def __str__(self):
        return self.name

    @property
    def variable_columns(self) -> list[str]:
        return [column for column in self.columns if column != EXPECTED]


class DatasetRow(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    # {column: text}; a column left out is an empty cell.
    values = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["dataset", "position"], name="dataset_row_order")]
        ordering = ["position", "id"]


class Experiment(models.Model):
    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="experiments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Holds the cells' runs and the title, visibility, share links and search text.
    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="experiment")
    dataset = models.ForeignKey(Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="experiments")
    description = models.TextField(blank=True, max_length=4000)
    # The messages with {{name}} placeholders (a variant may bring its own version).
    template = models.JSONField(default=list)
    # Cells started at once per provider id; a provider left out gets DEFAULT_CONCURRENCY.
    concurrency = models.JSONField(default=dict, blank=True)
    # The process driving the cells: its channel (wake-ups, stop) and when it last said it lives.
    driver = models.CharField(max_length=120, blank=True)
    driver_seen_at = models.DateTimeField(null=True, blank=True)
    # The latest "Run": when it began, who pressed it (the cells' runs are theirs), how many cells
    # it queued (for progress and ETA), and when its last cell ended.
    batch_started_at = models.DateTimeField(null=True, blank=True)
    batch_finished_at = models.DateTimeField(null=True, blank=True)
    batch_size = models.PositiveIntegerField(default=0)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return self.conversation.title or "Untitled experiment"

    def limit_for(self, provider_id: str) -> int:
        value = (self.concurrency or {}).get(provider_id)
        return value if isinstance(value, int) and 1 <= value <= MAX_CONCURRENCY else DEFAULT_CONCURRENCY


class ExperimentRow(models.Model):
    """A test case as the experiment runs it: copied from its dataset, so editing the dataset later
    never changes what a finished experiment shows."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    values = models.JSONField(default=dict)
    source = models.ForeignKey(DatasetRow, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["experiment", "position"], name="experiment_row_order")]

    @property
    def expected(self) -> str | None:
        value = self.values.get(EXPECTED)
        return value if isinstance(value, str) else None


class Variant(models.Model):
    """One way to answer every row: a provider, a model and options, and optionally its own template."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=40, blank=True)
    provider_id = models.CharField(max_length=PUBLIC_ID_LENGTH, blank=True)
    provider_name = models.CharField(max_length=60, blank=True)
    # The request body without messages: model and every option set.
    options = models.JSONField(default=dict)
    # Null: the experiment's template.
    template = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.label or chr(ord("A") + self.position)

    @property
    def model(self) -> str:
        return str(self.options.get("model") or "")


class CheckKind(models.TextChoices):
    CONTAINS = "contains", "Contains"
    NOT_CONTAINS = "not_contains", "Does not contain"
    REGEX = "regex", "Matches a regular expression"
    EQUALS = "equals", "Equals the expected answer"
    SIMILARITY = "similarity", "Similar to the expected answer"
    VALID_JSON = "valid_json", "Is valid JSON"
    JSON_SCHEMA = "json_schema", "Is valid against a JSON Schema"
    LATENCY = "latency", "Latency under"
    TOKENS = "tokens", "Output tokens under"
    COST = "cost", "Cost under"
    MODEL_GRADED = "model_graded", "Graded by a model"


class Check(models.Model):
    """A test every cell's answer is put to when it finishes; `config` depends on the kind (checks.py)."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    name = models.CharField(max_length=80, blank=True)
    config = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name or self.describe()

    def describe(self) -> str:
        """What the check does, in a few words (its name when it has none)."""
        config, kind = self.config or {}, self.kind
        case = "" if config.get("case_sensitive") else " (any case)"
        sentences = {
            CheckKind.CONTAINS: f"contains “{config.get('text')}”{case}",
            CheckKind.NOT_CONTAINS: f"does not contain “{config.get('text')}”{case}",
            CheckKind.REGEX: f"matches /{config.get('pattern')}/{'' if config.get('case_sensitive') else 'i'}",
            CheckKind.EQUALS: f"equals expected{case}",
            CheckKind.SIMILARITY: f"similar to expected ≥ {config.get('threshold')}",
            CheckKind.VALID_JSON: "valid JSON",
            CheckKind.JSON_SCHEMA: "matches the JSON Schema",
            CheckKind.LATENCY: f"{'first token' if config.get('metric') == 'ttft' else 'total time'} < {config.get('ms')} ms",
            CheckKind.TOKENS: f"tokens < {config.get('max')}",
            CheckKind.COST: f"cost < {config.get('max')}",
            CheckKind.MODEL_GRADED: f"graded by {config.get('model')}",
        }
        return sentences.get(kind, str(kind))

    @property
    def key(self) -> str:
        """Its key in Cell.checks: plain letters and digits, so SQL can filter on it (`checks__c12__passed`)."""
        return f"c{self.pk}"


class CellState(models.TextChoices):
    IDLE = "idle", "Not run"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # The answer is in; a model-graded check is still out.
    GRADING = "grading", "Grading"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Stopped"


ACTIVE_STATES = (CellState.QUEUED, CellState.RUNNING, CellState.GRADING)


class Cell(models.Model):
    """One row × one variant: its current run, the checks' results, and how far it got."""

    public_id = models.CharField(max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="cells")
    row = models.ForeignKey(ExperimentRow, on_delete=models.CASCADE, related_name="cells")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="cells")
    state = models.CharField(max_length=10, choices=CellState.choices, default=CellState.IDLE)
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Runs of earlier attempts (public ids, oldest first): re-runs keep them in the experiment's runs.
    earlier_runs = models.JSONField(default=list, blank=True)
    # Starts in the current batch (a rate-limited start is tried again, a few times).
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    # {check key: {"passed": true|false|null, "score": number?, "detail": text, "run": grader run id?}}
    checks = models.JSONField(default=dict, blank=True)
    # Every check passed (false: one failed; null: no result yet, or no checks).
    passed = models.BooleanField(null=True)
    # Why the cell could not start (a missing variable, a refused option), in words.
    error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["row", "variant"], name="one_cell_per_row_and_variant")]
        indexes = [models.Index(fields=["experiment", "state"], name="cell_state")]


class Rating(models.Model):
    """A person's thumbs up or down on a cell, with an optional comment; shown with their name."""

    cell = models.ForeignKey(Cell, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(choices=[(1, "Good"), (-1, "Bad")])
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cell", "rater"], name="one_rating_per_cell_and_rater")]


class Judgement(models.Model):
    """A blind comparison of one row: the variants shown (in the order shown) and the one picked,
    or none for a tie."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="judgements")
    row = models.ForeignKey(ExperimentRow, on_delete=models.CASCADE, related_name="judgements")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Variant public ids, sorted: which comparison this is (one judgement per judge, row and set).
    compared = models.CharField(max_length=200)
    shown = models.JSONField(default=list)
    winner = models.ForeignKey(Variant, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["row", "judge", "compared"], name="one_judgement_per_row_judge_and_set")]
