"""The panel's endpoints, mounted at /params/."""

from django.urls import path

from playground.params import preset_views, views

app_name = "params"

urlpatterns = [
    path("validate", views.validate, name="validate"),
    path("body", views.body, name="body"),
    path("fill", views.fill, name="fill"),
    path("code", views.code, name="code"),
    path("tokens", views.tokens, name="tokens"),
    path("variables", views.variables, name="variables"),
    path("models", views.models, name="models"),
    path("known", views.known, name="known"),
    path("presets", preset_views.presets, name="presets"),
    path("presets/save", preset_views.preset_save, name="preset_save"),
    path("presets/<str:public_id>", preset_views.preset_load, name="preset_load"),
    path("presets/<str:public_id>/rename", preset_views.preset_rename, name="preset_rename"),
    path("presets/<str:public_id>/delete", preset_views.preset_delete, name="preset_delete"),
]
