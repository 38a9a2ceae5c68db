"""ProviderConfig: where a provider lives, how to authenticate, and the URLs of its endpoints.

Kinds:
- "openai" and "compatible": `{base_url}/chat/completions` and `{base_url}/models`, key as
  `Authorization: Bearer` (omitted when empty: local servers often need none).
- "azure": base_url is the resource endpoint (`https://NAME.openai.azure.com`, `/openai` optional),
  or a deployment URL (`.../openai/deployments/NAME`, optionally with `?api-version=`) that fixes
  the deployment. Chat goes to `{endpoint}/openai/deployments/{deployment}/chat/completions
  ?api-version=...`, where the deployment is the fixed one or else the body's `model`; the key
  travels in an `api-key` header. Models are listed from `{endpoint}/openai/models?api-version=...`
  (the models the resource offers; the data-plane deployment list left the API after 2023), or
  are just the fixed deployment when the URL names one.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urlsplit

KINDS = ("openai", "azure", "compatible")
# A generally available Azure OpenAI data-plane version, used when none is configured.
DEFAULT_AZURE_API_VERSION = "2024-10-21"
USER_AGENT = "chat-playground"
# What an HTTP header value may hold here: printable ASCII and tabs. httpx encodes values as ASCII,
# and anything else (an "é" pasted into a key, a stray control character) fails every request.
SENDABLE_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*$")
AZURE_PATH = re.compile(r"^(?P<prefix>.*?)/openai(?:/deployments/(?P<deployment>[^/]+))?(?:/.*)?$")


def unsendable_position(value: str) -> int | None:
    """The 1-based position of the first character an HTTP header cannot carry, or None."""
    return next((number for number, char in enumerate(value, 1) if not SENDABLE_HEADER_VALUE.match(char)), None)


@dataclass(frozen=True)
class ProviderConfig:
    name: str
    kind: str
    base_url: str
    api_key: str = field(default="", repr=False)
    api_version: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"provider kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        base_url = self.base_url.strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the base URL must be an http:// or https:// address")
        if parts.query and self.kind != "azure":
            raise ValueError("only an Azure base URL may carry a query (its api-version)")
        object.__setattr__(self, "base_url", base_url)

    def __repr__(self) -> str:
        return f"ProviderConfig({self.redacted()!r})"

    def redacted(self) -> dict:
        """Everything but the secrets: the key shows only whether it is set, header values are hidden."""
        return {
            "name": self.name, "kind": self.kind, "base_url": self.base_url, "api_version": self.api_version,
            "api_key": "set" if self.api_key else "not set",
            "extra_headers": {name: "…" for name in self.extra_headers},
        }

    def secrets(self) -> list[str]:
        """Strings that must never appear in an error or a log line: the key, every extra header
        value (the form promises them kept like the key, and a header's name does not say whether
        it carries a credential: X-Custom-Pass, X-Org), and a password written into the base URL."""
        password = urlsplit(self.base_url).password
        return [secret for secret in (self.api_key, *self.extra_headers.values(), password) if secret]

    def unsendable(self) -> str | None:
        """Why the key or an extra header cannot travel in an HTTP header (None: they can)."""
        if not SENDABLE_HEADER_VALUE.match(self.api_key):
            return "The API key holds a character HTTP headers cannot carry"
        for name, value in self.extra_headers.items():
            if not SENDABLE_HEADER_VALUE.match(name) or not SENDABLE_HEADER_VALUE.match(value):
                return f"The header {name!a} holds a character HTTP headers cannot carry"
        return None

    # Endpoints.

    def chat_url(self, model: str | None) -> str:
        if self.kind != "azure":
            return f"{self.base_url}/chat/completions"
        endpoint, fixed_deployment = self._azure_endpoint()
        deployment = fixed_deployment or model
        if not deployment:
            raise ValueError("an Azure request needs a model (the deployment name) or a deployment URL")
        return f"{endpoint}/openai/deployments/{quote(deployment, safe='')}/chat/completions{self._azure_query()}"

    def models_url(self) -> str:
        if self.kind != "azure":
            return f"{self.base_url}/models"
        return f"{self._azure_endpoint()[0]}/openai/models{self._azure_query()}"

    @property
    def fixed_deployment(self) -> str | None:
        """The Azure deployment named by the base URL, if any."""
        return self._azure_endpoint()[1] if self.kind == "azure" else None

    def headers(self, accept: str = "application/json", *, json_body: bool = False) -> dict[str, str]:
        """Request headers: authentication, then the configured extra headers (which win)."""
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if json_body:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            if self.kind == "azure":
                headers["api-key"] = self.api_key
            else:
                headers["Authorization"] = f"Bearer {self.api_key}"
        return {**headers, **self.extra_headers}

    def _azure_endpoint(self) -> tuple[str, str | None]:
        parts = urlsplit(self.base_url)
        path = parts.path.rstrip("/")
        match = AZURE_PATH.match(path)
        prefix, deployment = (match["prefix"], match["deployment"]) if match else (path, None)
        return f"{parts.scheme}://{parts.netloc}{prefix}", deployment

    def _azure_query(self) -> str:
        in_url = parse_qs(urlsplit(self.base_url).query).get("api-version", [None])[0]
        version = self.api_version or in_url or DEFAULT_AZURE_API_VERSION
        return f"?api-version={quote(version, safe='')}"
