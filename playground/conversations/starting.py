"""Starting runs in a session: the session named by the browser, or a new one titled from the first
prompt, then the runs themselves (runs/service.py parses, validates and stores them)."""

from channels.db import database_sync_to_async
from django.utils import timezone

from playground.runs import service
from playground.runs.branches import message_text
from playground.teams.access import check_role, workspace_for_session

from .access import get_conversation_for
from .models import Conversation


def _first_prompt(body: dict) -> str:
    for message in body.get("messages", []):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message)
    return ""


@database_sync_to_async
def _plan(user, browser_session, content: dict) -> service.Plan:
    if content.get("type") == "run.rerun":
        return service.prepare_rerun(user, content.get("run"))
    conversation_id = content.get("conversation")
    if conversation_id:
        conversation = get_conversation_for(user, str(conversation_id), write=True)
        if conversation.is_experiment:
            # An experiment's runs are its cells, started by its scheduler (experiments/).
            raise service.RunRejected("This is an experiment: run its cells from the experiment's page.")
        workspace = conversation.workspace
    else:
        conversation = None
        workspace, membership = workspace_for_session(user, browser_session)
        check_role(membership, write=True)
    return service.prepare(user, workspace, conversation, parent_id=content.get("parent"),
                           columns=content.get("columns"), fields=content.get("fields"),
                           variables=content.get("variables"))


@database_sync_to_async
def _session_for(plan: service.Plan, user) -> Conversation:
    if plan.conversation is not None:
        Conversation.objects.filter(pk=plan.conversation.pk).update(updated_at=timezone.now())
        return plan.conversation
    title = Conversation.title_from_prompt(_first_prompt(plan.first_body))
    return Conversation.objects.create(workspace=plan.workspace, author=user, title=title)


async def start_runs(user, browser_session, layer, content: dict) -> list:
    """The tasks of a run.start or run.rerun message, stored and ready to start; raises
    service.RunRejected, Http404 or PermissionDenied when it cannot run as sent."""
    plan = await _plan(user, browser_session, content)
    conversation = await _session_for(plan, user)
    return await service.start_tasks(plan, conversation, user, layer)
