"""Forms for the panel's own inputs that are not request options (those go through the registry)."""

from django import forms

from playground.params.models import PRESET_NAME_LENGTH


class PresetNameForm(forms.Form):
    name = forms.CharField(max_length=PRESET_NAME_LENGTH, strip=True,
                           error_messages={"required": "Give the preset a name."})


class TokenLookupForm(forms.Form):
    word = forms.CharField(max_length=200, required=False, strip=False)
    model = forms.CharField(max_length=200, required=False)
