"""Django app config for the parameter registry and its presets."""

from django.apps import AppConfig


class ParamsConfig(AppConfig):
    name = "playground.params"
    verbose_name = "Parameters"
