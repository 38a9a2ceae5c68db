"""The panel's endpoints, mounted at /params/."""

from django.urls import path

from playground.params import views

app_name = "params"

urlpatterns = [
    path("validate", views.validate, name="validate"),
    path("code", views.code, name="code"),
    path("tokens", views.tokens, name="tokens"),
    path("models", views.models, name="models"),
    path("known", views.known, name="known"),
    path("presets", views.presets, name="presets"),
    path("presets/save", views.preset_save, name="preset_save"),
    path("presets/<str:public_id>", views.preset_load, name="preset_load"),
    path("presets/<str:public_id>/rename", views.preset_rename, name="preset_rename"),
    path("presets/<str:public_id>/delete", views.preset_delete, name="preset_delete"),
]
