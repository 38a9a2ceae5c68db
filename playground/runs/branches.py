"""Branching: a session's runs as a tree (each run continues its parent), its branches (the paths
from a root to a leaf), and what loading a branch puts back on the page.

Nothing is overwritten: editing an earlier message and running again makes a new run whose parent
is the run before the edit, so both histories stay.
"""

from dataclasses import dataclass, field

from . import differences
from .models import Run

PREVIEW_LENGTH = 80


def message_text(message: dict) -> str:
    """The readable text of a chat message: string content, or the text of its content parts."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str))
    return ""


@dataclass
class RunNode:
    run: Run
    children: list["RunNode"] = field(default_factory=list)
    parent: "RunNode | None" = None
    # Set by `tree_rows` when a sibling looks the same: where this branch departs from it.
    divergence: str = ""

    @property
    def prompt(self) -> str:
        """What this run added to its branch: its last new message (a tool result, an edited
        system message…), named by role unless it is the user's."""
        added = new_messages(self.run, self.parent.run if self.parent else None)
        message = added[-1] if added else None
        if not isinstance(message, dict):
            return last_prompt(self.run)[:PREVIEW_LENGTH]
        text = message_text(message) or ("(tool calls)" if message.get("tool_calls") else "")
        role = message.get("role", "")
        return (text if role == "user" else f"{role}: {text}")[:PREVIEW_LENGTH]

    @property
    def playable(self) -> bool:
        """Playback only for a run with text to replay (not a failure before the first token)."""
        return bool(answer_text(self.run))

    def as_dict(self) -> dict:
        run = self.run
        return {
            "id": run.public_id,
            "parent": run.parent.public_id if run.parent_id and run.parent else None,
            "model": run.model,
            "status": run.status,
            "comparison": run.comparison,
            "column": run.column,
            "started_at": run.started_at.isoformat(),
            "prompt": last_prompt(run)[:PREVIEW_LENGTH],
            "answer": answer_text(run)[:PREVIEW_LENGTH],
            "children": [child.as_dict() for child in self.children],
        }


def runs_of(conversation) -> list[Run]:
    return list(conversation.runs.select_related("parent").order_by("started_at", "column"))


def run_tree(runs: list[Run]) -> list[RunNode]:
    """The roots of the tree, children in the order they were started. A parent that is gone (or
    in another session) makes its child a root."""
    nodes = {run.pk: RunNode(run) for run in runs}
    roots = []
    for run in runs:
        parent = nodes.get(run.parent_id)
        nodes[run.pk].parent = parent
        (parent.children if parent else roots).append(nodes[run.pk])
    return roots


def _snippet(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else f"{text[: length - 1]}…"


def divergence(run: Run, other: Run) -> str:
    """Where `run`'s request departs from a sibling's that ends with the same prompt: the first
    message that differs, else the first setting, else nothing (a re-run)."""
    mine, theirs = run.request.get("messages", []), other.request.get("messages", [])
    for number, (a, b) in enumerate(zip(mine, theirs), start=1):
        if a != b:
            role = a.get("role", "?") if isinstance(a, dict) else "?"
            return f"message {number} ({role}): {_snippet(message_text(a) if isinstance(a, dict) else '')}"
    if len(mine) != len(theirs):
        return f"{len(mine)} messages instead of {len(theirs)}"
    differing = differences.differing([run.request, other.request])
    if differing:
        first = differing[0]
        return f"{first.label} {first.shown[0]}"
    return "same request (a re-run)"


def _mark_lookalikes(siblings: list[RunNode]) -> None:
    """Siblings whose rows would read the same get a note saying where each departs from the first."""
    by_prompt: dict[str, list[RunNode]] = {}
    for node in siblings:
        by_prompt.setdefault(node.prompt, []).append(node)
    for same in by_prompt.values():
        for node in same[1:]:
            node.divergence = divergence(node.run, same[0].run)


def tree_rows(roots: list[RunNode], depth: int = 0) -> list[tuple[RunNode, int]]:
    """The tree as rows to list, indented only where it branches: a chain of single children (a
    plain multi-turn chat) stays at one level however long it is."""
    rows = []
    _mark_lookalikes(roots)
    for node in roots:
        while True:
            rows.append((node, depth))
            if len(node.children) != 1:
                break
            node = node.children[0]
        rows += tree_rows(node.children, depth + 1)
    return rows


def branches(runs: list[Run]) -> list[list[Run]]:
    """Every path from a root to a leaf, the oldest branch first."""
    paths = []

    def walk(node: RunNode, path: list[Run]):
        path = [*path, node.run]
        if not node.children:
            paths.append(path)
        for child in node.children:
            walk(child, path)

    for root in run_tree(runs):
        walk(root, [])
    return paths


def path_to(run: Run) -> list[Run]:
    """The runs from the root down to `run`, following parents (within one session)."""
    path, seen = [run], {run.pk}
    current = run
    while current.parent_id and current.parent_id not in seen:
        current = Run.objects.filter(pk=current.parent_id, conversation_id=run.conversation_id).first()
        if current is None:
            break
        seen.add(current.pk)
        path.append(current)
    return path[::-1]


def last_prompt(run: Run) -> str:
    for message in reversed(run.request.get("messages", [])):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def answer_text(run: Run, index: int = 0) -> str:
    for choice in run.choices or []:
        if choice.get("index", 0) == index:
            return choice.get("content") or ""
    return ""


def answer_message(run: Run, index: int = 0) -> dict | None:
    """The chosen answer as the assistant message the next turn would send, or None if there is none."""
    choice = next((c for c in run.choices or [] if c.get("index", 0) == index), None)
    if choice is None:
        return None
    message = {"role": "assistant", "content": choice.get("content") or None}
    if choice.get("tool_calls"):
        message["tool_calls"] = choice["tool_calls"]
    if message["content"] is None and "tool_calls" not in message:
        return None
    return message


def branch_messages(run: Run) -> list[dict]:
    """What loading a branch ending at `run` shows: its request's messages, then its answer."""
    answer = answer_message(run)
    return [*run.request.get("messages", []), *([answer] if answer else [])]


def shared_messages_of(run: Run) -> list[dict]:
    """The message list the composer held when `run` was started (its request's, except in compare
    mode, where each column's request also holds that column's own earlier answers)."""
    return run.shared_messages if run.shared_messages is not None else run.request.get("messages", [])


def _starts_with(messages: list, prefix: list) -> bool:
    return len(prefix) <= len(messages) and messages[: len(prefix)] == prefix


def column_messages(shared: list[dict], after: Run) -> list[dict]:
    """The messages a compare column sends when it continues from its own run `after`.

    The composer's list is shared by every column, but each column continues its own answers:
    its request is `after`'s request and answer, then whatever the composer gained since `after`
    was sent. A list that already holds `after`'s answer (one column, "continue from this
    answer") is sent as it is, and so is one whose earlier messages were edited (a new branch)."""
    if _starts_with(shared, branch_messages(after)):
        return shared
    before = shared_messages_of(after)
    if _starts_with(shared, before):
        return [*branch_messages(after), *shared[len(before):]]
    return shared


def new_messages(run: Run, parent: Run | None) -> list[dict]:
    """The messages a run added to its parent's branch (all of them for a root run)."""
    messages = run.request.get("messages", [])
    if parent is None:
        return messages
    return messages[len(branch_messages(parent)):]


def _key(message: dict) -> tuple:
    calls = tuple(call.get("id", "") for call in message.get("tool_calls") or [] if isinstance(call, dict))
    return message.get("role"), message_text(message), calls, message.get("tool_call_id")


def parent_for_messages(runs: list[Run], messages: list[dict]) -> Run | None:
    """The run a new request continues: the one whose branch (request + answer) is the longest
    proper prefix of `messages`, the newest on a tie. None starts a new root."""
    wanted = [_key(m) for m in messages if isinstance(m, dict)]
    best, best_length = None, 0
    for run in runs:
        branch = [_key(m) for m in branch_messages(run)]
        if best_length <= len(branch) < len(wanted) and wanted[: len(branch)] == branch and answer_message(run):
            best, best_length = run, len(branch)
    return best
