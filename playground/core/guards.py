"""ASGI wrappers around the whole application (wired once, in playground/asgi.py).

- `TrustedProxies`: the client's address and scheme from X-Forwarded-For / X-Forwarded-Proto,
  believed only as far as TRUSTED_PROXY_COUNT proxies wrote them.
- `SameOriginSockets`: websockets only from the app's own origins (scheme, host and port) and
  CSRF_TRUSTED_ORIGINS, by the rule Django's CSRF check applies to forms.
- `HeadWithoutBody`: a HEAD response carries headers only, whatever its size.
"""

import ipaddress
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


def _header(scope, name: bytes) -> str | None:
    """A request header as text; repeated lines joined with commas, as HTTP allows for lists."""
    values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key.lower() == name]
    return ",".join(values) if values else None


class TrustedProxies:
    """Take the client's address and scheme from the proxies in front of the app, and only from them.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    trusted proxies the client's address is the N-th entry from the right; everything left of it
    was written by the client and proves nothing. (Daphne's own --proxy-headers believes the
    first entry, which anyone can write: don't use it.) With TRUSTED_PROXY_COUNT = 0 (the
    default, for an app reached directly) the headers are ignored.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        count = settings.TRUSTED_PROXY_COUNT
        if count and scope["type"] in ("http", "websocket"):
            scope = dict(scope)
            client = forwarded_client(_header(scope, b"x-forwarded-for"), count)
            if client is not None:
                scope["client"] = [client, 0]
            proto = (_header(scope, b"x-forwarded-proto") or "").rsplit(",", 1)[-1].strip().lower()
            if proto in ("http", "https"):
                secure = proto == "https"
                scope["scheme"] = ("https" if secure else "http") if scope["type"] == "http" else ("wss" if secure else "ws")
        return await self.app(scope, receive, send)


def forwarded_client(header: str | None, count: int) -> str | None:
    """The address `count` trusted proxies vouch for, or None (use the direct peer) when the
    header has fewer entries than that or the entry is not an IP address."""
    entries = [entry.strip() for entry in (header or "").split(",") if entry.strip()]
    if len(entries) < count:
        return None
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return None


class SameOriginSockets:
    """Refuse a websocket whose Origin is not this app's own (channels' AllowedHostsOriginValidator
    checks the host name only, so another app on the same host, any port or scheme, could drive a
    signed-in user's socket with their cookie)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)


def origin_allowed(scope) -> bool:
    """The socket's Origin is scheme://host of the request itself (Host in ALLOWED_HOSTS), or one
    of CSRF_TRUSTED_ORIGINS (with their *.domain wildcards) — Django's rule for form posts."""
    origin = _header(scope, b"origin")
    if not origin or origin == "null":
        return False
    host = _header(scope, b"host") or ""
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, _allowed_hosts()):
        scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
        if origin == f"{scheme}://{host}":
            return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    wildcards = [urlsplit(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS if "*" in trusted]
    return any(parsed.scheme == trusted.scheme and is_same_domain(parsed.netloc, trusted.netloc[1:])
               for trusted in wildcards)


def _allowed_hosts() -> list[str]:
    # As HttpRequest.get_host: in DEBUG with no ALLOWED_HOSTS, the local names.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


class HeadWithoutBody:
    """Drop the body of every HEAD response. Django leaves it to the server, and Daphne writes
    it: a page over 64 KB sent body bytes after the headers, which a keep-alive client then read
    as the start of its next response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            return await self.app(scope, receive, send)

        async def send_headers_only(message):
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        return await self.app(scope, receive, send_headers_only)
