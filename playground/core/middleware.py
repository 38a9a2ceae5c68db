"""Security headers Django does not set itself."""

import base64
import hashlib
import re

from django.conf import settings

# No inline scripts or styles anywhere: model output that slips through sanitizing still cannot
# run. img-src stays on our own origin so a prompt-injected markdown image cannot send the
# conversation to another host.
DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CONTENT_SECURITY_POLICY = "; ".join(f"{name} {sources}" for name, sources in DIRECTIVES.items())

# An inline <style> or <script> element (not one with a src) and its text.
_INLINE = re.compile(rb"<(style|script)(?![^>]*\bsrc=)[^>]*>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def debug_page_policy(html: bytes) -> str:
    """The policy for an error page of DEBUG=1: Django's technical 404 and 500 pages style (and the
    500 page scripts) themselves inline. Each of their inline elements is allowed by its hash, so the
    console stays clean and nothing else inline runs; our own pages have none, and get the usual
    policy."""
    hashes = {"style": [], "script": []}
    for tag, text in _INLINE.findall(html):
        digest = base64.b64encode(hashlib.sha256(text).digest()).decode()
        hashes[tag.decode().lower()].append(f"'sha256-{digest}'")
    if not any(hashes.values()):
        return CONTENT_SECURITY_POLICY
    directives = {**DIRECTIVES}
    for tag, allowed in hashes.items():
        if allowed:
            directives[f"{tag}-src"] = " ".join([DIRECTIVES[f"{tag}-src"], *dict.fromkeys(allowed)])
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = CONTENT_SECURITY_POLICY
        if (settings.DEBUG and response.status_code >= 400 and not response.streaming
                and response.get("Content-Type", "").startswith("text/html")):
            policy = debug_page_policy(response.content)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=()")
        return response
