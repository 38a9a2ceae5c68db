"""A workspace's provider pages, mounted at /teams/ beside the other workspace pages."""

from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("w/<str:ws>/providers/", views.provider_list, name="list"),
    path("w/<str:ws>/providers/new/", views.provider_new, name="new"),
    path("w/<str:ws>/providers/<str:provider_id>/edit/", views.provider_edit, name="edit"),
    path("w/<str:ws>/providers/<str:provider_id>/delete/", views.provider_delete, name="delete"),
    path("w/<str:ws>/providers/<str:provider_id>/test/", views.provider_test, name="test"),
]
