"""The access helper for a session: found by public id, reachable when teams.access says so."""

from django.http import Http404

from playground.teams.access import check_conversation

from .models import Conversation


def get_conversation_for(user, public_id: str, *, write: bool = False) -> Conversation:
    """The session, if `user` may see it (and change it, with write); else Http404 (or
    PermissionDenied for a viewer asked to write). Deleted sessions are not found."""
    conversation = Conversation.objects.select_related("workspace").filter(public_id=public_id, deleted_at=None).first()
    if conversation is None:
        raise Http404("No such session.")
    return check_conversation(user, conversation, write=write)
