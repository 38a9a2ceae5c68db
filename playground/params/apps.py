"""Django app config for the parameter registry (it has no models)."""

from django.apps import AppConfig


class ParamsConfig(AppConfig):
    name = "playground.params"
    verbose_name = "Parameters"
