"""The capability probe of a provider, mounted at /teams/ beside the provider pages it belongs to."""

from django.urls import path

from . import probe_views

app_name = "probe"

urlpatterns = [
    path("w/<str:ws>/providers/<str:provider_id>/probe/", probe_views.probe_panel, name="panel"),
    path("w/<str:ws>/providers/<str:provider_id>/probe/start/", probe_views.probe_start, name="start"),
    path("w/<str:ws>/providers/<str:provider_id>/probe/<str:result_id>/cancel/", probe_views.probe_cancel, name="cancel"),
]
