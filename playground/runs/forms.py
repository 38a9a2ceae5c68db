"""The model prices form (what a model costs in a workspace, per million tokens)."""

from django import forms

from .models import ModelPrice


class ModelPriceForm(forms.ModelForm):
    class Meta:
        model = ModelPrice
        fields = ["pattern", "input_per_million", "output_per_million"]
        labels = {"pattern": "Model (name or pattern like gpt-4o*)", "input_per_million": "Input, per 1M tokens",
                  "output_per_million": "Output, per 1M tokens"}

    def __init__(self, *args, workspace=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace

    def clean_pattern(self):
        pattern = self.cleaned_data["pattern"].strip().lower()
        if ModelPrice.objects.filter(workspace=self.workspace, pattern=pattern).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This model already has a price: delete it first.")
        return pattern

    def clean(self):
        data = super().clean()
        for name in ("input_per_million", "output_per_million"):
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, "A price cannot be negative.")
        return data


class ProbeForm(forms.Form):
    """Which model a capability probe asks, and whether its cost estimate was seen."""

    model = forms.CharField(max_length=200, strip=True)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
