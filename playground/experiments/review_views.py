"""Rating cells and blind judgements; sharing an experiment by link (read-only), forking it, exports.

Reviewing needs membership, not the editor role: a viewer may rate and judge (their own records);
the people behind a share link only read.
"""

import json

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.conversations.forms import ForkForm, ShareForm
from playground.conversations.models import Audience, ShareLink, hash_token
from playground.conversations.share_views import writable_workspaces
from playground.teams.access import SESSION_WORKSPACE_KEY, personal_workspace
from playground.teams.models import Workspace

from . import export, grid, reviews
from .access import get_cell_for, get_experiment_for
from .forms import JudgementForm, RatingForm
from .models import Experiment


@login_required
@require_POST
def rate_cell(request: HttpRequest, experiment_id: str, cell_id: str) -> HttpResponse:
    cell = get_cell_for(request.user, experiment_id, cell_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        reviews.rate(cell, request.user, form.cleaned_data["value"], form.cleaned_data["comment"])
    context = {"experiment": cell.experiment, "cell": cell, "ratings": list(cell.ratings.select_related("rater").order_by("-updated_at")),
               "my_rating": cell.ratings.filter(rater=request.user).first(), "can_review": True,
               "rating_errors": form.errors if not form.is_valid() else None}
    return render(request, "experiments/ratings.html", context, status=200 if form.is_valid() else 422)


@login_required
@require_POST
def judge(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """Record a blind pick and reveal which answer was which; the page then offers the next row."""
    experiment = get_experiment_for(request.user, experiment_id)
    form = JudgementForm(request.POST)
    variants = list(experiment.variants.all())
    problem = None
    revealed = None
    if form.is_valid():
        try:
            judgement, shown = reviews.judge(experiment, request.user, form.cleaned_data["ticket"], form.cleaned_data["pick"])
            revealed = {"judgement": judgement, "shown": [{"number": i + 1, "variant": v, "won": judgement.winner_id == v.pk}
                                                          for i, v in enumerate(shown)], "tie": judgement.winner_id is None}
        except reviews.TicketProblem as refused:
            problem = str(refused)
    else:
        problem = next(iter(form.errors.values()))[0]
    chosen = reviews.chosen_variants(variants, request.POST.getlist("v"))
    context = {"experiment": experiment, "variants": variants, "chosen": chosen, "revealed": revealed, "problem": problem,
               "standings": reviews.standings(experiment, variants), **reviews.next_comparison(experiment, request.user, chosen)}
    return render(request, "experiments/blind.html", context, status=200 if revealed else 422)


# Sharing


@login_required
@require_http_methods(["GET", "POST"])
def share_settings(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    conversation = experiment.conversation
    form = ShareForm(request.POST or None)
    new_url = None
    if request.method == "POST" and form.is_valid():
        _link, token = ShareLink.issue(conversation, user=request.user, audience=form.cleaned_data["audience"],
                                       expires_at=form.expires_at())
        new_url = request.build_absolute_uri(reverse("experiments:shared", args=[token]))
        form = ShareForm()
    active = [link for link in conversation.share_links.filter(revoked_at=None).order_by("-created_at") if link.is_active]
    return render(request, "experiments/share.html", {"experiment": experiment, "form": form,
                                                       "active": active[0] if active else None, "new_url": new_url})


@login_required
@require_POST
def revoke(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id, write=True)
    experiment.conversation.share_links.filter(revoked_at=None).update(revoked_at=timezone.now())
    return redirect("experiments:share", experiment.public_id)


def _shared(token: str) -> Experiment:
    link = ShareLink.objects.select_related("conversation").filter(token_hash=hash_token(token)).first()
    if link is None or not link.is_active or link.conversation.deleted_at is not None or not link.conversation.is_experiment:
        raise Http404("This link does not exist, was revoked, or has expired.")
    experiment = Experiment.objects.select_related("conversation__workspace", "dataset").get(conversation=link.conversation)
    experiment.link = link
    return experiment


@require_GET
def shared(request: HttpRequest, token: str) -> HttpResponse:
    """The grid read-only, for whoever holds the link (signed-in users only, unless it says anyone)."""
    experiment = _shared(token)
    if experiment.link.audience != Audience.ANYONE and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    variants, checks = list(experiment.variants.all()), list(experiment.checks.all())
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    context = {"experiment": experiment, "variants": variants, "checks": grid.check_rows(checks), "token": token,
               "headers": grid.headers(experiment, variants), "summary": grid.summary(experiment, variants, checks),
               "read_only": True, "can_write": False, "can_review": False,
               "fork_form": ForkForm(workspaces=writable_workspaces(request.user)) if request.user.is_authenticated else None,
               **grid.page(experiment, variants, checks, number=number)}
    response = render(request, "experiments/shared.html", context)
    # same-origin, not no-referrer: the token never leaves the site, and the Fork form keeps its Origin (CSRF).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def fork(request: HttpRequest, token: str) -> HttpResponse:
    experiment = _shared(token)
    form = ForkForm(request.POST, workspaces=writable_workspaces(request.user))
    if not form.is_valid():
        raise Http404("No such workspace.")
    workspace = Workspace.objects.get(public_id=form.cleaned_data["workspace"])
    copy = export.fork(experiment, user=request.user, workspace=workspace)
    request.session[SESSION_WORKSPACE_KEY] = workspace.public_id
    return redirect("experiments:page", copy.public_id)


@login_required
@require_POST
def fork_own(request: HttpRequest, experiment_id: str) -> HttpResponse:
    """Fork an experiment one can see (a viewer's way to run it with changes) into a workspace where
    one can write: the one asked for, else one's personal workspace."""
    experiment = get_experiment_for(request.user, experiment_id)
    writable = writable_workspaces(request.user)
    workspace = next((w for w in writable if w.public_id == request.POST.get("workspace")), None) or personal_workspace(request.user)
    copy = export.fork(experiment, user=request.user, workspace=workspace)
    request.session[SESSION_WORKSPACE_KEY] = workspace.public_id
    return redirect("experiments:page", copy.public_id)


# Exports


def _filename(experiment: Experiment, extension: str) -> str:
    return f'attachment; filename="{slugify(experiment.title)[:60] or "experiment"}-{experiment.public_id}.{extension}"'


@login_required
@require_GET
def export_json(request: HttpRequest, experiment_id: str) -> HttpResponse:
    experiment = get_experiment_for(request.user, experiment_id)
    response = HttpResponse(json.dumps(export.experiment_data(experiment), indent=1, ensure_ascii=False, default=str),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = _filename(experiment, "json")
    return response


@login_required
@require_GET
def export_csv(request: HttpRequest, experiment_id: str) -> StreamingHttpResponse:
    experiment = get_experiment_for(request.user, experiment_id)
    response = StreamingHttpResponse(export.grid_csv(experiment), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(experiment, "csv")
    return response
