from django.contrib import admin
from django.urls import include, path

from playground.core import columns as core_columns
from playground.core import views as core_views
from playground.teams import views as teams_views

urlpatterns = [
    path("", core_views.playground, name="playground"),
    path("s/<str:conversation_id>/", core_views.playground, name="conversation"),
    path("params/", include("playground.params.urls")),
    path("compare/tabs", core_columns.column_tabs, name="column_tabs"),
    path("sessions/", include("playground.runs.urls")),
    path("sessions/", include("playground.conversations.urls")),
    path("experiments/", include("playground.experiments.urls")),
    path("teams/", include("playground.teams.urls")),
    path("teams/", include("playground.providers.urls")),
    path("teams/", include("playground.runs.probe_urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("playground.ops.urls")),
    # Sign-in with throttling of repeated failures; the rest of Django's auth views as they are.
    path("accounts/login/", teams_views.SignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
