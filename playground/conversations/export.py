"""Sessions in and out: a JSON export (metadata and every run), Markdown, and importing either a
JSON export or a bare OpenAI request body into a new session.

Exports hold what a run sent and got back, never how it was sent: no provider ids, URLs, headers
or keys (Run.request is the body only, by design).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from playground.params.rules import validate_body
from playground.runs.branches import answer_text, message_text, new_messages, runs_of
from playground.runs.models import Run, Status

from .models import MAX_TAGS, TAG_LENGTH, TITLE_LENGTH, Conversation
from .search import reindex

FORMAT = "chat-playground.session"
VERSION = 1
METRICS = ("time_to_first_token", "total_time", "output_tokens", "tokens_per_second")
MAX_IMPORT_RUNS = 500
# The largest metric kept from an import: output_tokens is a 32-bit integer column.
MAX_METRIC = 2**31 - 1


class ImportProblem(Exception):
    """The data cannot be imported; `errors` are sentences to show the user."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def run_data(run: Run) -> dict:
    return {
        "id": run.public_id,
        "parent": run.parent.public_id if run.parent else None,
        "comparison": run.comparison,
        "column": run.column,
        "provider": run.provider_name,
        "model": run.model,
        "status": run.status,
        "request": run.request,
        "shared_messages": run.shared_messages,
        "template": run.template,
        "variables": run.variables,
        "response": run.response,
        "choices": run.choices,
        "usage": run.usage,
        "error": run.error,
        "notices": run.notices,
        "chunk_times": run.chunk_times,
        "metrics": {name: getattr(run, name) for name in METRICS},
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def session_data(conversation: Conversation) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "session": {
            "title": conversation.title,
            "tags": conversation.tags,
            "created_at": conversation.created_at.isoformat(),
            "draft_request": conversation.draft_request,
        },
        "runs": [run_data(run) for run in runs_of(conversation)],
    }


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in (text or "").splitlines()) or ">"


def session_markdown(conversation: Conversation) -> str:
    """The session for reading: per run, its parameters, the messages it added, and its answer."""
    runs = runs_of(conversation)
    by_pk = {run.pk: run for run in runs}
    lines = [f"# {conversation}", ""]
    if conversation.tags:
        lines += [f"Tags: {', '.join(conversation.tags)}", ""]
    for number, run in enumerate(runs, 1):
        parent = by_pk.get(run.parent_id)
        params = {k: v for k, v in run.request.items() if k != "messages"}
        lines += [f"## Run {number}: {run.model} ({run.status})", ""]
        if parent is not None:
            lines += [f"Continues run {runs.index(parent) + 1}.", ""]
        lines += [f"- `{key}`: `{value}`" for key, value in params.items()] + [""]
        for message in new_messages(run, parent):
            lines += [f"**{message.get('role', '?')}**", "", _quoted(message_text(message)), ""]
        lines += ["**assistant**", "", answer_text(run) or "_(no text)_", ""]
    return "\n".join(lines)


# Import


def _checked_request(request, where: str) -> tuple[dict | None, list[str]]:
    if not isinstance(request, dict):
        return None, [f"{where}: the request must be a JSON object."]
    problems = validate_body(request)
    return request, [f"{where}: {name if name != '__all__' else 'request'}: {message}"
                     for name, messages in problems.items() for message in messages]


def _title(data: dict, runs: list[dict]) -> str:
    title = str((data.get("session") or {}).get("title") or "").strip()
    if not title and runs:
        messages = runs[0]["request"].get("messages", [])
        title = Conversation.title_from_prompt(next((message_text(m) for m in messages if m.get("role") == "user"), ""))
    return (title or "Imported session")[:TITLE_LENGTH]


def _tags(data: dict) -> list[str]:
    tags = (data.get("session") or {}).get("tags") or []
    return [str(tag)[:TAG_LENGTH] for tag in tags if str(tag).strip()][:MAX_TAGS] if isinstance(tags, list) else []


def parse_import(data) -> dict:
    """Check an export or a bare request body; return {title, tags, runs, draft} or raise ImportProblem."""
    if not isinstance(data, dict):
        raise ImportProblem(["Expected a JSON object: a session export or a chat completion request body."])
    if data.get("format") != FORMAT:
        draft, errors = _checked_request(data, "Request body")
        if errors:
            raise ImportProblem(errors)
        return {"title": _title({}, [{"request": draft}]), "tags": [], "runs": [], "draft": draft}
    runs = data.get("runs")
    if not isinstance(runs, list):
        raise ImportProblem(["The export has no list of runs."])
    if len(runs) > MAX_IMPORT_RUNS:
        raise ImportProblem([f"An import holds at most {MAX_IMPORT_RUNS} runs."])
    errors = []
    for number, run in enumerate(runs, 1):
        if not isinstance(run, dict):
            errors.append(f"Run {number}: expected an object.")
            continue
        errors += _checked_request(run.get("request"), f"Run {number}")[1]
    if errors:
        raise ImportProblem(errors)
    return {"title": _title(data, runs), "tags": _tags(data), "runs": runs, "draft": None}


def _metric(value, name: str):
    """A metric as the column takes it, or None: a file may hold anything, and a value the database
    refuses (negative, out of range, not a number) must not fail the whole import."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_METRIC:
        return None
    return int(value) if name == "output_tokens" else float(value)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _datetime(value) -> datetime | None:
    try:
        parsed = parse_datetime(str(value or ""))
    except ValueError:  # well-formed but impossible, like month 13
        return None
    return parsed if parsed is None or parsed.tzinfo else timezone.make_aware(parsed)


def run_from(data: dict, conversation: Conversation, author) -> tuple[Run, datetime]:
    """An unsaved Run from its exported data (run_data), and when it started."""
    status = data.get("status") if data.get("status") in Status.values else Status.COMPLETED
    metrics = data.get("metrics") if isinstance(data.get("metrics"), dict) else {}
    started = _datetime(data.get("started_at")) or timezone.now()
    finished = _datetime(data.get("finished_at"))
    return Run(
        conversation=conversation,
        author=author,
        comparison=str(data.get("comparison") or "")[:22],
        column=data.get("column") if isinstance(data.get("column"), int) and 0 <= data["column"] < 100 else 0,
        provider_name=str(data.get("provider") or "")[:60],
        model=str(data["request"].get("model", ""))[:200],
        request=data["request"],
        shared_messages=data.get("shared_messages") if isinstance(data.get("shared_messages"), list) else None,
        template=data.get("template") if isinstance(data.get("template"), list) else None,
        variables={str(k): v for k, v in data["variables"].items() if isinstance(v, str)} if isinstance(data.get("variables"), dict) else None,
        # An imported run cannot still be streaming: nothing here is running it.
        status=Status.INTERRUPTED if status == Status.STREAMING else status,
        choices=data.get("choices") if isinstance(data.get("choices"), list) else [],
        response=data.get("response") if isinstance(data.get("response"), dict) else None,
        usage=data.get("usage") if isinstance(data.get("usage"), dict) else None,
        error=data.get("error") if isinstance(data.get("error"), dict) else None,
        notices=[n for n in _list(data.get("notices")) if isinstance(n, str)],
        chunk_times=[t for t in _list(data.get("chunk_times")) if isinstance(t, (int, float)) and not isinstance(t, bool)],
        finished_at=finished or started,
        **{name: _metric(metrics.get(name), name) for name in METRICS},
    ), started


@transaction.atomic
def create_session(parsed: dict, *, user, workspace) -> Conversation:
    """A new private session in `workspace` with the parsed runs, parents linked by their old ids."""
    conversation = Conversation.objects.create(workspace=workspace, author=user, title=parsed["title"],
                                               tags=parsed["tags"], draft_request=parsed["draft"])
    created = {}
    for data in parsed["runs"]:
        run, started = run_from(data, conversation, user)
        run.parent = created.get(data.get("parent"))
        run.save()
        Run.objects.filter(pk=run.pk).update(started_at=started)  # auto_now_add ignores the given time
        created[data.get("id")] = run
    reindex(conversation.pk)
    return conversation


def fork(conversation: Conversation, *, user, workspace) -> Conversation:
    """A private copy of a session in another workspace, to continue with that workspace's providers."""
    data = session_data(conversation)
    parsed = {"title": _title(data, data["runs"]), "tags": _tags(data), "runs": data["runs"],
              "draft": conversation.draft_request}
    return create_session(parsed, user=user, workspace=workspace)
