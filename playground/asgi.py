"""ASGI entry point: HTTP through Django, websockets through origin + auth checks to the consumers.

Around both: the client's address and scheme from trusted proxies only (core/guards.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from playground.core.guards import HeadWithoutBody, SameOriginSockets, TrustedProxies  # noqa: E402
from playground.routing import websocket_urlpatterns  # noqa: E402

application = TrustedProxies(
    ProtocolTypeRouter(
        {
            "http": HeadWithoutBody(django_asgi_app),
            "websocket": SameOriginSockets(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        }
    )
)
