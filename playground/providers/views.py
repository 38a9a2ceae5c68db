"""A workspace's providers: the list (stored credentials, Default and Local), adding, editing and
deleting credentials (owners), and a connection test (editors too).

Every view starts with an access helper: a workspace the user is not in is a 404, an action their
role does not allow a 403.
"""

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from playground.teams.access import get_workspace_for, membership_for

from .client import list_models
from .errors import ProviderError
from .forms import ProviderCredentialForm
from .local import LOCAL_PROVIDER_ID
from .models import ProviderCredential
from .resolve import DEFAULT_PROVIDER_ID, get_credential_for, get_provider_for, providers_for


@login_required
def provider_list(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = get_workspace_for(request.user, ws)
    context = {
        "workspace": workspace, "membership": membership, "section": "providers",
        "choices": providers_for(workspace), "default_id": DEFAULT_PROVIDER_ID, "local_id": LOCAL_PROVIDER_ID,
    }
    return render(request, "providers/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def provider_new(request: HttpRequest, ws: str) -> HttpResponse:
    workspace, membership = get_workspace_for(request.user, ws, manage=True)
    return _provider_form(request, workspace, membership, ProviderCredential(workspace=workspace))


@login_required
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, ws: str, provider_id: str) -> HttpResponse:
    workspace, credential = get_credential_for(request.user, ws, provider_id)
    return _provider_form(request, workspace, membership_for(request.user, workspace), credential)


def _provider_form(request, workspace, membership, credential) -> HttpResponse:
    form = ProviderCredentialForm(request.POST or None, instance=credential, workspace=workspace)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"Saved {saved.name}.")
        return redirect("providers:list", workspace.public_id)
    context = {"workspace": workspace, "membership": membership, "form": form, "credential": credential, "section": "providers"}
    return render(request, "providers/form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def provider_delete(request: HttpRequest, ws: str, provider_id: str) -> HttpResponse:
    workspace, credential = get_credential_for(request.user, ws, provider_id)
    if request.method == "POST":
        credential.delete()
        messages.success(request, f"Deleted {credential.name}.")
        return redirect("providers:list", workspace.public_id)
    context = {"workspace": workspace, "credential": credential, "section": "providers"}
    return render(request, "providers/delete.html", context)


def _config_to_test(request: HttpRequest, ws: str, provider_id: str):
    # Editors may test (they run with these providers anyway); the URL is checked like at run time.
    workspace, _membership = get_workspace_for(request.user, ws, write=True)
    return get_provider_for(workspace, provider_id).checked_config()


@login_required
@require_POST
async def provider_test(request: HttpRequest, ws: str, provider_id: str) -> HttpResponse:
    context = {"models": [], "error": None}
    try:
        config = await sync_to_async(_config_to_test)(request, ws, provider_id)
        context["models"] = await list_models(config)
    except ValidationError as error:
        context["error"] = {"message": error.messages[0]}
    except ProviderError as error:
        # Already scrubbed of the key and secret headers by the client.
        context["error"] = {"message": error.message, "hint": error.hint, "status": error.status}
    return await sync_to_async(render)(request, "providers/test.html", context)
