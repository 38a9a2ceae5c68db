from django.contrib import admin
from django.urls import include, path

from playground.core import views as core_views

urlpatterns = [
    path("", core_views.playground, name="playground"),
    path("s/<str:conversation_id>/", core_views.playground, name="conversation"),
    path("params/", include("playground.params.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]
