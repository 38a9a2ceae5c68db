"""Presets: named sets of options a workspace keeps. Looked up by public id within the browser
session's workspace, so another workspace's preset is a 404; viewers may load but not change them.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from playground.params.body import field_values
from playground.params.check import checked_body
from playground.params.forms import PresetNameForm
from playground.params.models import Preset
from playground.teams.access import current_workspace


def _writable_workspace(request: HttpRequest):
    workspace, membership = current_workspace(request)
    if not membership.can_write:
        raise PermissionDenied("Viewers cannot change presets in this workspace.")
    return workspace, membership


def _preset_for(workspace, public_id: str) -> Preset:
    return get_object_or_404(Preset, public_id=public_id, workspace=workspace)


def _preset_list(request: HttpRequest, workspace, membership, *, message: str = "", is_error: bool = False):
    context = {
        "presets": Preset.objects.filter(workspace=workspace),
        "can_write": membership.can_write,
        "message": message,
        "message_is_error": is_error,
    }
    return render(request, "params/preset_list.html", context)


def preset_params(data) -> tuple[dict, dict[str, list[str]]]:
    """The options a preset keeps from a form (everything but messages), and what is wrong with them."""
    body, errors = checked_body(data, draft=True)
    body.pop("messages", None)
    errors.pop("messages", None)
    return body, errors


@login_required
@require_GET
def presets(request: HttpRequest) -> HttpResponse:
    return _preset_list(request, *current_workspace(request))


@login_required
@require_POST
def preset_save(request: HttpRequest) -> HttpResponse:
    workspace, membership = _writable_workspace(request)
    form = PresetNameForm({"name": request.POST.get("preset_name", "")})
    if not form.is_valid():
        return _preset_list(request, workspace, membership, message=form.errors["name"][0], is_error=True)
    params, errors = preset_params(request.POST)
    if errors:
        names = ", ".join(sorted(errors))
        return _preset_list(request, workspace, membership, message=f"Fix these options first: {names}.", is_error=True)
    name = form.cleaned_data["name"]
    _preset, created = Preset.objects.update_or_create(
        workspace=workspace, name=name, defaults={"params": params}, create_defaults={"params": params,
                                                                                     "created_by": request.user})
    return _preset_list(request, workspace, membership, message=f"{'Saved' if created else 'Updated'} “{name}”.")


@login_required
@require_GET
def preset_load(request: HttpRequest, public_id: str) -> JsonResponse:
    """The preset, and the field values that load it: every option it does not set is cleared,
    the conversation is kept, and so is the model when the preset names none."""
    workspace, _membership = current_workspace(request)
    preset = _preset_for(workspace, public_id)
    return JsonResponse({"id": preset.public_id, "name": preset.name, "params": preset.params,
                         "values": field_values(preset.params)})


@login_required
@require_POST
def preset_rename(request: HttpRequest, public_id: str) -> HttpResponse:
    workspace, membership = _writable_workspace(request)
    preset = _preset_for(workspace, public_id)
    form = PresetNameForm(request.POST)
    if not form.is_valid():
        return _preset_list(request, workspace, membership, message=form.errors["name"][0], is_error=True)
    new_name = form.cleaned_data["name"]
    if Preset.objects.filter(workspace=workspace, name=new_name).exclude(pk=preset.pk).exists():
        message = f"A preset named “{new_name}” exists already."
        return _preset_list(request, workspace, membership, message=message, is_error=True)
    old_name, preset.name = preset.name, new_name
    preset.save(update_fields=["name", "updated_at"])
    return _preset_list(request, workspace, membership, message=f"Renamed “{old_name}” to “{preset.name}”.")


@login_required
@require_POST
def preset_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    workspace, membership = _writable_workspace(request)
    preset = _preset_for(workspace, public_id)
    preset.delete()
    return _preset_list(request, workspace, membership, message=f"Deleted “{preset.name}”.")
