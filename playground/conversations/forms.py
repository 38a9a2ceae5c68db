"""Every input of the sessions pages goes through one of these forms."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from playground import jsonsafe
from playground.runs.models import Status

from .models import MAX_TAGS, TAG_LENGTH, TITLE_LENGTH, Audience, Visibility
from .search import HistoryFilters

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class HistoryForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True)
    # Named apart from the panel's request fields (model, provider) so the page never has two.
    run_model = forms.CharField(required=False, max_length=200, strip=True)
    run_provider = forms.CharField(required=False, max_length=40, strip=True)
    run_status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Status.choices])
    tag = forms.CharField(required=False, max_length=TAG_LENGTH, strip=True)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date comes before the start date.")
        return data

    def filters(self) -> HistoryFilters:
        data = self.cleaned_data
        return HistoryFilters(text=data.get("q") or "", model=data.get("run_model") or "", provider=data.get("run_provider") or "",
                              status=data.get("run_status") or "", tag=(data.get("tag") or "").lower(),
                              since=data.get("since"), until=data.get("until"))


class RenameForm(forms.Form):
    title = forms.CharField(max_length=TITLE_LENGTH, strip=True, error_messages={"required": "Give the session a title."})


class TagsForm(forms.Form):
    tags = forms.CharField(required=False, max_length=600, help_text="Comma-separated")

    def clean_tags(self) -> list[str]:
        tags = []
        for tag in self.cleaned_data["tags"].split(","):
            tag = " ".join(tag.split()).lower()
            if len(tag) > TAG_LENGTH:
                raise forms.ValidationError(f"A tag has at most {TAG_LENGTH} characters.")
            if tag and tag not in tags:
                tags.append(tag)
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags.")
        return tags


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Visibility.choices)


EXPIRY_CHOICES = [("", "Never"), ("1", "In 1 day"), ("7", "In 7 days"), ("30", "In 30 days")]


class ShareForm(forms.Form):
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.SIGNED_IN, widget=forms.RadioSelect)
    expires_in = forms.TypedChoiceField(choices=EXPIRY_CHOICES, required=False, coerce=int, empty_value=None)

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=days) if days else None


class ForkForm(forms.Form):
    workspace = forms.ChoiceField()

    def __init__(self, *args, workspaces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workspace"].choices = [(w.public_id, w.name) for w in workspaces]


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A session export (.json) or an OpenAI request body")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}), strip=True)

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError("The file is larger than 5 MB.")
            raw = upload.read()
        elif text:
            raw = text.encode()
        else:
            raise forms.ValidationError("Choose a file or paste JSON.")
        try:
            data["parsed_json"] = jsonsafe.loads(raw)
        except jsonsafe.JSONRefused as refused:
            raise forms.ValidationError(jsonsafe.explain(refused)) from None
        except UnicodeDecodeError:
            raise forms.ValidationError("This file is not UTF-8 text; export it again, or paste the JSON.") from None
        except ValueError as error:
            raise forms.ValidationError(f"This is not valid JSON: {error}.") from None
        return data
