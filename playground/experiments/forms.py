"""Every input of the experiment and dataset pages goes through one of these forms (the variant's
options go through the parameter parser, params/body.py, in building.parse_options)."""

from django import forms

from .datasets import MAX_IMPORT_BYTES
from .models import MAX_CONCURRENCY, NAME_LENGTH, CheckKind

FORMAT_CHOICES = [("auto", "Tell from the file"), ("csv", "CSV"), ("tsv", "Tab-separated"), ("jsonl", "JSON Lines")]


class DatasetForm(forms.Form):
    name = forms.CharField(max_length=NAME_LENGTH, strip=True, error_messages={"required": "Give the dataset a name."})
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(required=False)
    text = forms.CharField(required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}))
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="auto")

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("text")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB.")
            data["raw"], data["filename"] = upload.read(), upload.name or ""
        elif text and text.strip():
            data["raw"], data["filename"] = text.encode(), ""
        else:
            raise forms.ValidationError("Choose a file or paste rows.")
        extension = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl"}.get(data.get("format") or "auto")
        if extension:
            data["filename"] = f"import{extension}"
        return data


class PasteForm(forms.Form):
    text = forms.CharField(strip=False, max_length=MAX_IMPORT_BYTES, error_messages={"required": "Paste some rows."})
    row = forms.CharField(required=False, max_length=30)
    column = forms.CharField(required=False, max_length=64)


class ColumnsForm(forms.Form):
    columns = forms.CharField(required=False, max_length=4000,
                              help_text="One per line; old=>new renames a column and keeps its values.")

    def names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["columns"].splitlines() if line.strip()]


class NewExperimentForm(forms.Form):
    title = forms.CharField(max_length=120, strip=True, error_messages={"required": "Give the experiment a title."})
    dataset = forms.ChoiceField(required=False)
    rows = forms.CharField(required=False, max_length=200, strip=True,
                           help_text="All rows, or a selection like 1-20, 25, 30-40.")
    session = forms.ChoiceField(required=False)

    def __init__(self, *args, datasets=(), sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [("", "No dataset yet"), *[(d.public_id, d.name) for d in datasets]]
        self.fields["session"].choices = [("", "Start from a blank prompt"), *[(s.public_id, str(s)) for s in sessions]]

    def clean_rows(self) -> list[tuple[int, int]] | None:
        text = self.cleaned_data["rows"]
        if not text or text.lower() == "all":
            return None
        spans = []
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            first, dash, last = part.partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise forms.ValidationError("Write row numbers like 1-20, 25, 30-40.")
            start, end = int(first), int(last) if dash else int(first)
            if start < 1 or end < start:
                raise forms.ValidationError(f"“{part}” is not a range of rows.")
            spans.append((start, end))
        return spans


class SetupForm(forms.Form):
    title = forms.CharField(max_length=120, strip=True, error_messages={"required": "Give the experiment a title."})
    description = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    messages = forms.CharField(max_length=200_000, widget=forms.HiddenInput,
                               error_messages={"required": "Add at least one message."})


class ConcurrencyForm(forms.Form):
    """One field per provider of the workspace: `limit_<provider id>`."""

    def __init__(self, *args, providers=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.providers = list(providers)
        for provider in self.providers:
            self.fields[f"limit_{provider.public_id}"] = forms.IntegerField(
                min_value=1, max_value=MAX_CONCURRENCY, label=provider.name, initial=current.get(provider.public_id, 4))

    def limits(self) -> dict:
        return {provider.public_id: self.cleaned_data[f"limit_{provider.public_id}"] for provider in self.providers}


class VariantForm(forms.Form):
    label = forms.CharField(required=False, max_length=40, strip=True)
    provider = forms.CharField(max_length=40, error_messages={"required": "Choose a provider."})
    own_template = forms.BooleanField(required=False)
    template_messages = forms.CharField(required=False, max_length=200_000, widget=forms.HiddenInput)
    options_json = forms.CharField(required=False, max_length=100_000, strip=True)


class CheckForm(forms.Form):
    kind = forms.ChoiceField(choices=CheckKind.choices)
    name = forms.CharField(required=False, max_length=80, strip=True)


class RatingForm(forms.Form):
    value = forms.TypedChoiceField(choices=[("1", "Good"), ("-1", "Bad"), ("0", "Clear")], coerce=int)
    comment = forms.CharField(required=False, max_length=2000, strip=True, widget=forms.Textarea(attrs={"rows": 2}))


class JudgementForm(forms.Form):
    ticket = forms.CharField(max_length=2000)
    pick = forms.CharField(max_length=40, error_messages={"required": "Pick the better answer, or call it a tie."})


class AddToDatasetForm(forms.Form):
    dataset = forms.CharField(required=False, max_length=40)
    new_name = forms.CharField(required=False, max_length=NAME_LENGTH, strip=True)
    expected = forms.CharField(required=False, max_length=100_000, strip=False, widget=forms.Textarea(attrs={"rows": 2}))
    # From a run: its answer as the expected value (the view knows the answer; the form only the choice).
    use_answer = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("dataset") and not data.get("new_name"):
            raise forms.ValidationError("Choose a dataset, or name a new one.")
        if data.get("use_answer") and data.get("expected"):
            self.add_error("expected", "Either use the run's answer or type the expected value, not both.")
        return data
