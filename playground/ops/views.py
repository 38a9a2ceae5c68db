"""GET /metrics: this process's Prometheus metrics, for the monitoring system only.

Access: with METRICS_TOKEN set, only requests sending `Authorization: Bearer <token>`; without
it, only loopback requests while DEBUG is on (a developer's own machine). Everything else gets a
404, so the endpoint is not advertised. Scrape each replica directly: through the load balancer
you would see one random replica (and deploy/nginx.conf hides /metrics anyway).
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from . import metrics as run_metrics


def _allowed(request) -> bool:
    if settings.METRICS_TOKEN:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expected = settings.METRICS_TOKEN.encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)
    if not settings.DEBUG:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
def metrics(request):
    if not _allowed(request):
        raise Http404()
    body, content_type = run_metrics.exposition()
    return HttpResponse(body, content_type=content_type)
