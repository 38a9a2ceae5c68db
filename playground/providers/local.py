"""The "Local" provider: llama.cpp's OpenAI-compatible server started by `manage.py localmodel`.

Every workspace sees it while the server answers. The check is a TCP connect to its port (the
server listens only once the model is loaded), cached for a few seconds so listing providers on
every page and socket message costs nothing.
"""

import socket
import time
from urllib.parse import urlsplit

from django.conf import settings

from playground.providers.config import ProviderConfig

LOCAL_PROVIDER_ID = "local"
LOCAL_PROVIDER_NAME = "Local"
PROBE_TIMEOUT = 0.3
PROBE_CACHE_SECONDS = 5.0

_last_probe: tuple[float, str, bool] | None = None  # (when, url, answered)


def local_provider() -> dict | None:
    """The Local provider's fields for access.ProviderChoice, or None while its server is down."""
    if not server_answers():
        return None
    return {"public_id": LOCAL_PROVIDER_ID, "name": LOCAL_PROVIDER_NAME, "kind": "compatible",
            "base_url": settings.LOCAL_MODEL_URL}


def local_config() -> ProviderConfig:
    """How to call it: no API key (llama.cpp's server accepts any, or none)."""
    return ProviderConfig(name=LOCAL_PROVIDER_NAME, kind="compatible", base_url=settings.LOCAL_MODEL_URL)


def server_answers() -> bool:
    global _last_probe
    url = settings.LOCAL_MODEL_URL
    now = time.monotonic()
    if _last_probe and _last_probe[1] == url and now - _last_probe[0] < PROBE_CACHE_SECONDS:
        return _last_probe[2]
    answered = _accepts_connections(url)
    _last_probe = (now, url, answered)
    return answered


def _accepts_connections(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False
