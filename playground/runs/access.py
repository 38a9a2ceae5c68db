"""The access helper for a run: it is reachable when its session is (teams.access decides)."""

from django.http import Http404

from playground.teams.access import check_conversation

from .models import Run


def get_run_for(user, public_id: str, *, write: bool = False) -> Run:
    """The run, if `user` may see its session (and change it, with write); else Http404 (or
    PermissionDenied for a viewer asked to write)."""
    run = Run.objects.select_related("conversation__workspace", "parent").filter(public_id=public_id).first()
    if run is None:
        raise Http404("No such run.")
    check_conversation(user, run.conversation, write=write)
    return run
