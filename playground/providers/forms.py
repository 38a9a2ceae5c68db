"""The provider credential form: name, kind, URL, and write-only secrets."""

import json
import re

from django import forms
from django.core.exceptions import ValidationError

from playground import jsonsafe
from playground.teams.urlcheck import check_provider_url

from .config import ProviderConfig, unsendable_position
from .models import ProviderCredential, ProviderKind

# RFC 9110 token characters: what a header name may be made of.
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Headers the client sets itself; overriding them would break or confuse the request.
RESERVED_HEADERS = {"host", "content-length", "content-type", "transfer-encoding", "connection"}


class ProviderCredentialForm(forms.ModelForm):
    """A credential. Secrets are write-only: blank on edit keeps what is stored."""

    base_url = forms.URLField(
        max_length=500, assume_scheme="https", label="Base URL",
        help_text="The URL before /chat/completions, e.g. https://api.example.com/v1. "
                  "For Azure, the resource endpoint https://NAME.openai.azure.com.",
    )
    api_key = forms.CharField(
        required=False, strip=True, label="API key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    clear_api_key = forms.BooleanField(required=False, label="Remove the stored key")
    extra_headers = forms.CharField(
        required=False, label="Extra headers",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "spellcheck": "false", "autocomplete": "off",
                                     "placeholder": '{"OpenAI-Organization": "org-…"}'}),
        help_text="A JSON object of header names to values, sent with every request. Values are kept secret like the key.",
    )
    clear_extra_headers = forms.BooleanField(required=False, label="Remove the stored headers")

    class Meta:
        model = ProviderCredential
        fields = ["name", "kind", "base_url", "api_version"]
        labels = {"api_version": "API version"}
        help_texts = {"api_version": "Azure only; leave blank for the default."}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.editing = self.instance.pk is not None
        self.fields["api_key"].help_text = "Leave blank for local servers that need none."
        if self.editing:
            self.fields["api_key"].help_text = "Leave blank to keep the stored key."
            self.fields["extra_headers"].help_text = "Leave blank to keep the stored headers; anything entered replaces them all."
        else:
            del self.fields["clear_api_key"], self.fields["clear_extra_headers"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = ProviderCredential.objects.filter(workspace=self.workspace, name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError("This workspace already has a provider with that name.")
        return name

    def clean_base_url(self):
        base_url = self.cleaned_data["base_url"].strip().rstrip("/")
        check_provider_url(base_url)
        return base_url

    def clean_extra_headers(self):
        text = self.cleaned_data["extra_headers"].strip()
        if not text:
            return None
        try:
            headers = jsonsafe.loads(text)
        except json.JSONDecodeError as error:  # jsonsafe's refusals (NaN, deep nesting) included
            raise ValidationError(f"This is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}).") from None
        if not isinstance(headers, dict):
            raise ValidationError('Enter a JSON object, like {"X-Team": "blue"}.')
        for name, value in headers.items():
            if not HEADER_NAME.match(name):
                raise ValidationError(f"{name!a} is not a valid header name: use ASCII letters, digits and -.")
            if name.lower() in RESERVED_HEADERS:
                raise ValidationError(f"The {name} header is set by the playground itself.")
            if not isinstance(value, str) or "\n" in value or "\r" in value:
                raise ValidationError(f"The value of {name} must be a string on one line.")
            position = unsendable_position(value)
            if position is not None:
                raise ValidationError(f"The value of {name} has a character HTTP headers cannot carry at position "
                                      f"{position}: use plain ASCII letters, digits and punctuation.")
        return headers

    def clean_api_key(self):
        key = self.cleaned_data["api_key"]
        position = unsendable_position(key)
        if position is not None:
            # The key itself is never echoed back, not even the character.
            raise ValidationError(f"The key has a character HTTP headers cannot carry at position {position} "
                                  "(a letter with an accent, a typographic quote, an invisible space?). "
                                  "Copy it again from the provider.")
        return key

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Let the provider client's own rules speak (an Azure URL's query, the scheme) before saving.
        try:
            ProviderConfig(name=cleaned["name"], kind=cleaned["kind"], base_url=cleaned["base_url"],
                           api_version=cleaned.get("api_version") or None)
        except ValueError as error:
            self.add_error("base_url", str(error)[:1].upper() + str(error)[1:] + ".")
        if cleaned["kind"] != ProviderKind.AZURE and cleaned.get("api_version"):
            self.add_error("api_version", "Only Azure providers take an API version.")
        return cleaned

    def save(self, commit=True):
        credential = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            credential.set_api_key("")
        if self.cleaned_data.get("api_key"):
            credential.set_api_key(self.cleaned_data["api_key"])
        if self.cleaned_data.get("clear_extra_headers"):
            credential.set_extra_headers({})
        if self.cleaned_data.get("extra_headers") is not None:
            credential.set_extra_headers(self.cleaned_data["extra_headers"])
        credential.workspace = self.workspace
        if commit:
            credential.save()
        return credential
