"""ProviderError: every way a call to a provider can fail, in words a person can act on.

The message is the provider's own when it sent an OpenAI-shaped error body, else a plain summary.
Errors never carry request headers, and the client scrubs the configured secrets out of them
before they leave providers/, so `to_dict()` is safe to store and to send to a browser.
"""

import re

KINDS = ("http", "connection", "timeout", "deadline", "malformed", "stream_error")
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# An exhausted account answers 429 too, but waiting does not help it.
NOT_RETRYABLE_CODES = frozenset({"insufficient_quota"})
REDACTED = "[redacted]"
# Secrets shorter than this are redacted only where they stand as a word of their own.
WHOLE_WORD_BELOW = 6

STATUS_HINTS = {
    400: "The provider refused the request; check the parameter it names.",
    401: "Check the API key of this provider.",
    403: "This key may not use this model or region; check the account's permissions.",
    404: "Check the model name and the base URL.",
    408: "The provider gave up waiting for the request; try again.",
    413: "The request is too large; shorten the messages or attachments.",
    422: "The provider refused the request; check the parameter it names.",
    429: "The provider is rate limiting; wait or lower concurrency.",
}
KIND_HINTS = {
    "connection": "Is the server running and reachable from the app?",
    "timeout": "The provider stopped answering for too long; try again, or raise PROVIDER_READ_TIMEOUT.",
    "deadline": "The call ran past its time limit; ask for a shorter answer or raise RUN_DEADLINE.",
    "malformed": "The server's answer is not in the OpenAI format; check the base URL and the provider kind.",
    "stream_error": "The provider failed while answering; try again.",
}
SERVER_ERROR_HINT = "The provider had a problem on its side; try again in a moment."
REDIRECT_HINT = "The server redirects this address elsewhere; check the base URL (http or https, the /v1 part)."
QUOTA_HINT = "The account is out of credit or over its quota; check its billing."


class ProviderError(Exception):
    """A failed provider call; `kind` is one of KINDS, `status` the HTTP status when there was one."""

    def __init__(self, kind: str, message: str, *, status: int | None = None, error_type: str | None = None,
                 code: str | None = None, param: str | None = None, request_id: str | None = None,
                 retry_after: float | None = None, retryable: bool | None = None, hint: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown provider error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.error_type = error_type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.retryable = _is_retryable(kind, status, code, error_type) if retryable is None else retryable
        self.hint = hint or _hint_for(kind, status, code)

    def __str__(self) -> str:
        return self.message if self.status is None else f"HTTP {self.status}: {self.message}"

    def __repr__(self) -> str:
        return f"ProviderError(kind={self.kind!r}, status={self.status!r}, message={self.message!r})"

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "status": self.status, "message": self.message, "type": self.error_type,
            "code": self.code, "param": self.param, "request_id": self.request_id,
            "retry_after": self.retry_after, "retryable": self.retryable, "hint": self.hint,
        }

    def scrub(self, secrets: list[str]) -> "ProviderError":
        """Replace each secret wherever the provider may have echoed it back (some servers echo input)."""
        for name in ("message", "error_type", "code", "param", "request_id", "hint"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, redact(value, secrets))
        self.args = (self.message,)
        return self


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced. Longest first, so a secret inside another goes with it;
    short ones only as whole words, so a header value like "1" leaves "HTTP 401" readable."""
    for secret in sorted(set(filter(None, secrets)), key=len, reverse=True):
        if len(secret) >= WHOLE_WORD_BELOW:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", REDACTED, text)
    return text


def _is_retryable(kind: str, status: int | None, code: str | None, error_type: str | None) -> bool:
    """Whether a fresh attempt could succeed; the client retries only before the first chunk."""
    if kind == "http":
        return status in RETRYABLE_STATUSES and code not in NOT_RETRYABLE_CODES
    if kind == "stream_error":
        return error_type in (None, "server_error")
    return kind in ("connection", "timeout")


def _hint_for(kind: str, status: int | None, code: str | None) -> str:
    if code in NOT_RETRYABLE_CODES:
        return QUOTA_HINT
    if kind != "http":
        return KIND_HINTS[kind]
    if status in STATUS_HINTS:
        return STATUS_HINTS[status]
    if status is not None and 300 <= status < 400:
        return REDIRECT_HINT
    if status is not None and status >= 500:
        return SERVER_ERROR_HINT
    return "The provider refused the request."
