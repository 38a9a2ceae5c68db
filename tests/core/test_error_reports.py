"""Error reports (DEBUG=1's technical 500 page, mails to admins) never show a provider's key or headers."""

import sys

import httpx
from django.views.debug import ExceptionReporter

from playground.providers.config import ProviderConfig

# Written in pieces: the report quotes source lines around each frame, and must be searched for the
# values themselves. The "é" makes httpx fail while it encodes the headers.
PROVIDER_KEY = "sk-SECRET-" + "caf\u00e9-123"
HEADER_VALUE = "org-hidden-" + "42"
INCOMING = "Bearer sk-" + "INCOMING-1"


def failing_provider_call():
    config = ProviderConfig("Gateway", "openai", "https://api.example.com/v1", api_key=PROVIDER_KEY,
                            extra_headers={"X-Org": HEADER_VALUE})
    outbound = config.headers()  # a local of this frame too, as in any code building a request
    return httpx.Request("POST", config.chat_url("m"), headers=outbound)


def test_the_debug_error_page_never_shows_a_providers_key_or_headers(rf, settings):
    settings.DEBUG = True
    try:
        failing_provider_call()
    except UnicodeEncodeError:
        page = ExceptionReporter(rf.get("/", HTTP_AUTHORIZATION=INCOMING), *sys.exc_info()).get_traceback_html()
    assert "UnicodeEncodeError" in page and "failing_provider_call" in page
    for secret in (PROVIDER_KEY, HEADER_VALUE, INCOMING.split()[1]):
        assert secret not in page
