"""The panel's server side: validation, "view code", token lookup, the model list, and presets.

Every view starts from the browser session's workspace (`current_workspace`); presets are looked
up by public id within it, so another workspace's preset is a 404.
"""

import json
import shlex

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from playground.params.body import body_from_form
from playground.params.forms import PresetNameForm, TokenLookupForm
from playground.params.models import Preset
from playground.params.registry import BY_NAME, PARAMS
from playground.params.rules import hints, validate_body
from playground.params.tokenizer import encoding_for_model, token_ids
from playground.providers.client import list_models
from playground.providers.config import DEFAULT_AZURE_API_VERSION, ProviderConfig
from playground.providers.errors import ProviderError
from playground.providers.models import ProbeResult
from playground.providers.resolve import code_config, get_provider_for
from playground.teams.access import current_workspace

MODELS_CACHE_SECONDS = 10 * 60
# The model whose vocabulary the token lookup uses when none is typed yet (the current one).
DEFAULT_TOKEN_MODEL = "gpt-4o"
# Names of the environment variables the generated code reads the key from.
KEY_VARIABLES = {"azure": "AZURE_OPENAI_API_KEY"}
DEFAULT_KEY_VARIABLE = "OPENAI_API_KEY"
# Options that are not required while the user is still composing (on-change validation).
COMPOSING = ("model", "messages")


# Validation


def _is_blank(body: dict, name: str) -> bool:
    return body.get(name) in (None, "", [])


def form_errors(data, *, draft: bool = False) -> tuple[dict, dict[str, list[str]]]:
    """The body a form describes and every error in it: unreadable fields first, then the rules.

    A draft (the panel checking as the user types) may still lack a model or messages.
    """
    body, errors = body_from_form(data)
    blank = [name for name in COMPOSING if draft and _is_blank(body, name)]
    checked = {name: value for name, value in body.items() if name not in blank}
    problems = validate_body(checked, require_messages="messages" not in blank)
    for name, messages in problems.items():
        if name not in errors and name not in blank:
            errors[name] = messages
    return body, errors


@login_required
@require_POST
def validate(request: HttpRequest) -> HttpResponse:
    body, errors = form_errors(request.POST, draft=request.GET.get("draft") == "1")
    slots = [{"name": param.name, "messages": errors.get(param.name, [])} for param in PARAMS]
    general = [message for name, messages in errors.items() if name not in BY_NAME for message in messages]
    context = {"general_errors": general, "hints": hints(body), "slots": slots}
    response = render(request, "params/validation.html", context)
    response["X-Params-Valid"] = "false" if errors else "true"
    return response


# View code


def _python_literal(value, indent: int = 0) -> str:
    """A JSON value as Python source (True, None, repr-quoted strings), indented like json.dumps."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict) and value:
        items = [f"{inner}{key!r}: {_python_literal(item, indent + 4)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f",\n{pad}}}"
    if isinstance(value, list) and value:
        items = [f"{inner}{_python_literal(item, indent + 4)}" for item in value]
        return "[\n" + ",\n".join(items) + f",\n{pad}]"
    return repr(value)


def code_snippets(body: dict, config: ProviderConfig) -> list[dict]:
    azure = config.kind == "azure"
    key_variable = KEY_VARIABLES.get(config.kind, DEFAULT_KEY_VARIABLE)
    try:
        url = config.chat_url(body.get("model"))
    except ValueError:
        url = config.chat_url("DEPLOYMENT")
    body_json = json.dumps(body, indent=2, ensure_ascii=False)
    auth_header = f"api-key: ${key_variable}" if azure else f"Authorization: Bearer ${key_variable}"
    common = {"stream": body.get("stream") is True, "azure": azure, "key_variable": key_variable}
    curl = {**common, "url": shlex.quote(url), "auth_header": auth_header, "body": shlex.quote(body_json)}
    python = {**common, "base_url": json.dumps(config.base_url), "body": _python_literal(body),
              "api_version": json.dumps(config.api_version or DEFAULT_AZURE_API_VERSION)}
    javascript = {**common, "url": json.dumps(url), "body": body_json}
    return [
        {"key": "curl", "label": "curl", "code": render_to_string("params/code/curl.txt", curl)},
        {"key": "python", "label": "Python", "code": render_to_string("params/code/python.txt", python)},
        {"key": "javascript", "label": "JavaScript", "code": render_to_string("params/code/javascript.txt", javascript)},
    ]


def in_reading_order(body: dict) -> dict:
    """Model first, then messages, then the options: the order the panel's raw JSON shows."""
    first = {name: body[name] for name in ("model", "messages") if name in body}
    return {**first, **body}


@login_required
@require_POST
def code(request: HttpRequest) -> HttpResponse:
    workspace, _membership = current_workspace(request)
    body, errors = body_from_form(request.POST)
    body = in_reading_order(body)
    config = code_config(workspace, request.POST.get("provider", ""))
    context = {
        "snippets": code_snippets(body, config),
        "errors": errors,
        "provider_name": config.name,
        "key_variable": KEY_VARIABLES.get(config.kind, DEFAULT_KEY_VARIABLE),
    }
    return render(request, "params/code.html", context)


# Token lookup


def _visible(piece: str) -> str:
    # A leading space is a different token from none; show it.
    return piece.replace(" ", "␣").replace("\n", "\\n").replace("\t", "\\t")


@login_required
@require_GET
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenLookupForm(request.GET)
    form.is_valid()
    word = form.cleaned_data.get("word", "")
    model = form.cleaned_data.get("model") or DEFAULT_TOKEN_MODEL
    found = [{**token, "shown": _visible(token["text"])} for token in token_ids(word, model)] if word else []
    context = {"tokens": found, "word": word.strip(), "encoding": encoding_for_model(model)}
    return render(request, "params/tokens.html", context)


# Model list


def _provider_for_request(request: HttpRequest):
    workspace, _membership = current_workspace(request)
    return workspace, get_provider_for(workspace, request.GET.get("provider", ""))


@login_required
@require_GET
async def models(request: HttpRequest) -> HttpResponse:
    workspace, choice = await sync_to_async(_provider_for_request)(request)
    cache_key = f"params:models:{workspace.public_id}:{choice.public_id}"
    context = {"provider_name": choice.name, "models": [], "error": None, "cached": False}
    cached = None if request.GET.get("refresh") else await cache.aget(cache_key)
    if cached is not None:
        context.update(models=cached, cached=True)
    else:
        try:
            config = await sync_to_async(choice.checked_config)()
            context["models"] = await list_models(config)
            await cache.aset(cache_key, context["models"], MODELS_CACHE_SECONDS)
        except ValidationError as refused:
            context["error"] = {"message": refused.messages[0], "hint": ""}
        except ProviderError as error:
            context["error"] = {"message": error.message, "hint": error.hint}
    return await sync_to_async(render)(request, "params/models.html", context)


# What the chosen provider is known to do (its latest capability probe)


@login_required
@require_GET
def known(request: HttpRequest) -> HttpResponse:
    """Per option, what the provider's latest probe found it ignores or rejects: one slot per
    option of the panel, swapped out of band, so a warning shows before the user runs."""
    workspace, _membership = current_workspace(request)
    provider_id = request.GET.get("provider", "")
    result = ProbeResult.objects.latest_known(workspace, provider_id) if provider_id else None
    if result is not None:
        get_provider_for(workspace, provider_id)  # a provider the workspace no longer has warns of nothing
    warnings = result.warnings_by_param() if result else {}
    # The options of the panel, and the two outside it that have a slot (model picker, messages editor).
    slots = [{"name": param.name, "warnings": warnings.get(param.name, [])}
             for param in PARAMS if param.in_panel or param.name in ("model", "messages")]
    return render(request, "params/known.html", {"result": result, "slots": slots})


# Presets


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
    body, errors = form_errors(data, draft=True)
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
    workspace, _membership = current_workspace(request)
    preset = _preset_for(workspace, public_id)
    return JsonResponse({"id": preset.public_id, "name": preset.name, "params": preset.params})


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
