"""View code: a request body as curl, Python (the openai SDK) and JavaScript (fetch), pointed at
the chosen provider with the key read from an environment variable, never the real one."""

import json
import shlex

from django.template.loader import render_to_string

from playground.providers.config import DEFAULT_AZURE_API_VERSION, ProviderConfig

# Names of the environment variables the generated code reads the key from.
KEY_VARIABLES = {"azure": "AZURE_OPENAI_API_KEY"}
DEFAULT_KEY_VARIABLE = "OPENAI_API_KEY"


def key_variable(config: ProviderConfig) -> str:
    return KEY_VARIABLES.get(config.kind, DEFAULT_KEY_VARIABLE)


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
    variable = key_variable(config)
    try:
        url = config.chat_url(body.get("model"))
    except ValueError:
        url = config.chat_url("DEPLOYMENT")
    body_json = json.dumps(body, indent=2, ensure_ascii=False)
    auth_header = f"api-key: ${variable}" if azure else f"Authorization: Bearer ${variable}"
    common = {"stream": body.get("stream") is True, "azure": azure, "key_variable": variable}
    curl = {**common, "url": shlex.quote(url), "auth_header": auth_header, "body": shlex.quote(body_json)}
    python = {**common, "base_url": json.dumps(config.base_url), "body": _python_literal(body),
              "api_version": json.dumps(config.api_version or DEFAULT_AZURE_API_VERSION)}
    javascript = {**common, "url": json.dumps(url), "body": body_json}
    return [
        {"key": "curl", "label": "curl", "code": render_to_string("params/code/curl.txt", curl)},
        {"key": "python", "label": "Python", "code": render_to_string("params/code/python.txt", python)},
        {"key": "javascript", "label": "JavaScript", "code": render_to_string("params/code/javascript.txt", javascript)},
    ]
