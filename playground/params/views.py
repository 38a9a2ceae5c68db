"""The panel's server side: it reads what the user entered and answers with the body, the
errors, the hints and View code; it turns a body back into field values; token lookup and the
model list. Every view starts from the browser session's workspace (`current_workspace`).
"""

import json

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from playground.params.body import body_from_form, field_values, json_error_message, loads, unknown_parameters
from playground.params.check import checked_body, in_reading_order
from playground.params.code import code_snippets, key_variable
from playground.params.forms import TokenLookupForm
from playground.params.registry import BY_NAME, PARAMS
from playground.params.rules import hints
from playground.params import templating
from playground.params.tokenizer import encoding_for_model, token_ids
from playground.providers.client import list_models
from playground.providers.errors import ProviderError
from playground.providers.models import ProbeResult
from playground.providers.resolve import code_config, get_provider_for
from playground.teams.access import current_workspace

MODELS_CACHE_SECONDS = 10 * 60
# The model whose vocabulary the token lookup uses when none is typed yet (the current one).
DEFAULT_TOKEN_MODEL = "gpt-4o"
NOT_AN_OBJECT = "The request body must be a JSON object: { … }."


# Validation


@login_required
@require_POST
def validate(request: HttpRequest) -> HttpResponse:
    body, errors = checked_body(request.POST, draft=request.GET.get("draft") == "1")
    slots = [{"name": param.name, "label": param.label, "messages": errors.get(param.name, [])} for param in PARAMS]
    general = [message for name, messages in errors.items() if name not in BY_NAME for message in messages]
    context = {"general_errors": general, "hints": hints(body), "slots": slots}
    response = render(request, "params/validation.html", context)
    response["X-Params-Valid"] = "false" if errors else "true"
    return response


# The body as JSON, and a body back into fields (the raw JSON dialog, presets, "Edit")


@login_required
@require_POST
def body(request: HttpRequest) -> JsonResponse:
    """The request the fields describe, as the run would send it; unreadable fields are left out."""
    parsed, errors = body_from_form(request.POST)
    parsed = in_reading_order(parsed)
    return JsonResponse({"body": parsed, "text": json.dumps(parsed, indent=2, ensure_ascii=False), "errors": errors})


@login_required
@require_POST
def fill(request: HttpRequest) -> JsonResponse:
    """Field values for a pasted (or loaded) body: POST `text` → {values, unknown, errors, at}.

    `values` lists every panel option (empty lists clear the unset ones); `unknown` names keys that
    are not Chat Completions parameters; `at` is the line and column of a JSON syntax error.
    """
    text = request.POST.get("text", "")
    try:
        pasted = loads(text)
    except json.JSONDecodeError as error:
        problem = {"errors": {"__all__": [json_error_message(error)]}, "at": {"line": error.lineno, "column": error.colno}}
        return JsonResponse({"values": {}, "unknown": [], **problem})
    if not isinstance(pasted, dict):
        return JsonResponse({"values": {}, "unknown": [], "errors": {"__all__": [NOT_AN_OBJECT]}, "at": None})
    return JsonResponse({"values": field_values(pasted), "unknown": unknown_parameters(pasted), "errors": {}, "at": None})


# View code


@login_required
@require_POST
def code(request: HttpRequest) -> HttpResponse:
    workspace, _membership = current_workspace(request)
    parsed, errors = body_from_form(request.POST)
    # View code shows the body that would be sent: with the prompt variables filled in, when each has a value.
    messages = parsed.get("messages")
    if isinstance(messages, list) and templating.is_template(messages):
        try:
            parsed = {**parsed, "messages": templating.fill(messages, templating.values_from_fields(request.POST))}
        except templating.MissingValues:
            pass
    config = code_config(workspace, request.POST.get("provider", ""))
    context = {
        "snippets": code_snippets(in_reading_order(parsed), config),
        "errors": errors,
        "provider_name": config.name,
        "key_variable": key_variable(config),
    }
    return render(request, "params/code.html", context)


# Prompt variables


@login_required
@require_POST
def variables(request: HttpRequest) -> HttpResponse:
    """The variables the messages use, in order, each with its value box (keeping what was typed)."""
    try:
        messages = loads(request.POST.get("messages") or "[]")
    except ValueError:
        messages = []
    values = templating.values_from_fields(request.POST)
    names = templating.find_variables(messages)
    _, membership = current_workspace(request)
    context = {"variables": [(name, f"{templating.FIELD_PREFIX}{name}", values.get(name, "")) for name in names],
               "escape": templating.ESCAPE, "can_add_to_dataset": membership.can_write}
    return render(request, "params/variables.html", context)


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
