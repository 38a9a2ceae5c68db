"""Operations URLs; the project's urls.py includes them at the root."""

from django.urls import path

from . import views

urlpatterns = [
    path("metrics", views.metrics, name="metrics"),
]
