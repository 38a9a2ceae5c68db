"""Finding sessions: the full-text index over titles, prompts and answers, and the history query.

The index is a tsvector column on Conversation with a GIN index. It is rebuilt by `reindex`,
once per finished run and on rename, so no write touches it while a run streams.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.db.models import OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Left
from django.utils import timezone

from playground.runs.branches import message_text
from playground.runs.models import Run

from .models import Conversation, Kind, Visibility

SEARCH_CONFIG = "english"
# PostgreSQL caps a tsvector at 1 MB; a session's first 200,000 characters are plenty to find it.
MAX_DOCUMENT_CHARS = 200_000
# A result's snippet comes from the first part of its text: ts_headline re-reads what it is given.
SNIPPET_SOURCE_CHARS = 50_000
# Marks around each match in a snippet: control characters no prompt types, so the template can
# split the snippet and escape every piece (ts_headline itself escapes nothing).
MATCH_START, MATCH_END = "\x02", "\x03"


def facet(kind: str, value: str) -> str:
    return f"{kind}:{value.lower() if kind == 'model' else value}"[:240]


def document_of(conversation_id: int) -> tuple[str, list[str]]:
    """Every distinct prompt and answer of a session, in order (each run repeats the history before
    it, so texts already seen are skipped), and the facets of its runs."""
    seen, texts, size, facets = set(), [], 0, set()
    rows = Run.objects.filter(conversation_id=conversation_id).order_by("started_at")
    for request, choices, model, provider, status in rows.values_list("request", "choices", "model", "provider_id", "status").iterator():
        facets.update({facet("model", model), facet("provider", provider), facet("status", status)})
        if size >= MAX_DOCUMENT_CHARS:
            continue
        candidates = [message_text(m) for m in (request or {}).get("messages", [])]
        candidates += [c.get("content") or "" for c in choices or [] if isinstance(c, dict)]
        for text in candidates:
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
                size += len(text)
    return "\n".join(texts)[:MAX_DOCUMENT_CHARS], sorted(facets)


def reindex(conversation_id: int, title: str | None = None) -> None:
    """Rebuild one session's search vector (title weighted above the text) and run facets. Takes the
    database id, `Run.conversation_id` (and the title, when the caller has it); call it once per
    finished run, outside the streaming path."""
    if title is None:
        title = Conversation.objects.filter(pk=conversation_id).values_list("title", flat=True).first()
    if title is None:
        return
    document, facets = document_of(conversation_id)
    vector = SearchVector(Value(title, output_field=TextField()), weight="A", config=SEARCH_CONFIG) + SearchVector(
        Value(document, output_field=TextField()), weight="B", config=SEARCH_CONFIG
    )
    Conversation.objects.filter(pk=conversation_id).update(search_vector=vector, run_facets=facets, search_text=document)


def visible_to(user, workspace) -> QuerySet:
    """Sessions of a workspace this member may see: the workspace's, and their own private ones."""
    return Conversation.objects.filter(workspace=workspace).filter(Q(visibility=Visibility.WORKSPACE) | Q(author=user))


@dataclass(frozen=True)
class HistoryFilters:
    text: str = ""
    model: str = ""
    provider: str = ""
    status: str = ""
    tag: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def any(self) -> bool:
        return any((self.text, self.model, self.provider, self.status, self.tag, self.since, self.until))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _with_run_filters(sessions: QuerySet, filters: HistoryFilters) -> QuerySet:
    # Sessions with a run on this model, a run through this provider, a run with this status (not
    # necessarily the same run): one lookup in the facets' GIN index.
    wanted = [facet(kind, value) for kind, value in (("model", filters.model), ("provider", filters.provider),
                                                        ("status", filters.status)) if value]
    return sessions.filter(run_facets__contains=wanted) if wanted else sessions


def history(user, workspace, filters: HistoryFilters, *, deleted: bool = False) -> QuerySet:
    """The history list: pinned first, newest first; or the trash, most recently deleted first."""
    sessions = visible_to(user, workspace).filter(deleted_at__isnull=not deleted)
    if not filters.text:
        # Experiments have their own list; a search finds them beside the sessions.
        sessions = sessions.exclude(kind=Kind.EXPERIMENT)
    if filters.text:
        query = SearchQuery(filters.text, search_type="websearch", config=SEARCH_CONFIG)
        sessions = sessions.filter(search_vector=query).annotate(snippet=SearchHeadline(
            Left("search_text", SNIPPET_SOURCE_CHARS), query, config=SEARCH_CONFIG, start_sel=MATCH_START, stop_sel=MATCH_END,
            max_words=16, min_words=6, short_word=3, max_fragments=2, fragment_delimiter=" … ",
        ))
    if filters.tag:
        sessions = sessions.filter(tags__contains=[filters.tag])
    if filters.since:
        sessions = sessions.filter(updated_at__gte=_start_of(filters.since))
    if filters.until:
        sessions = sessions.filter(updated_at__lt=_start_of(filters.until + timedelta(days=1)))
    sessions = with_latest_run(_with_run_filters(sessions, filters))
    return sessions.order_by("-deleted_at", "-id") if deleted else sessions.order_by("-pinned", "-updated_at", "-id")


def with_latest_run(sessions: QuerySet) -> QuerySet:
    """Sessions with the model and status of their latest run, as the history list shows them."""
    latest = Run.objects.filter(conversation=OuterRef("pk")).order_by("-started_at")
    sessions = sessions.annotate(last_model=Subquery(latest.values("model")[:1]), last_status=Subquery(latest.values("status")[:1]))
    return sessions.defer("search_vector", "search_text", "draft_request")


def reindex_after_run(sender, run, **kwargs) -> None:
    """run_finished receiver: the session's index now includes the run's answer.

    Not for an experiment, whose hundreds of cells would each rebuild the index over every other
    cell: experiments/ reindexes once a batch of cells has ended."""
    if run.conversation.kind != Kind.EXPERIMENT:
        reindex(run.conversation_id, run.conversation.title)


def snippet_parts(snippet: str | None) -> list[tuple[str, bool]]:
    """A headline as (text, is_match) pieces; empty when nothing in it matched (a title match)."""
    if not snippet or MATCH_START not in snippet:
        return []
    parts = []
    for index, piece in enumerate(snippet.replace(MATCH_END, MATCH_START).split(MATCH_START)):
        if piece:
            parts.append((piece, index % 2 == 1))
    return parts
