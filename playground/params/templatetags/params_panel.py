"""Template tags that render the parameter panel from the registry, so no template lists options.

`{% panel_groups as groups %}` gives each group with a Control per option: the option, its
current field value(s), the template that renders it, and its rules as data for the browser
(`rules`, `named_choice`), which the panel's generic JavaScript reads from the DOM.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django import template

from playground.params.body import form_values_from_body
from playground.params.registry import CONFLICTS, GROUPS, NUMBER_KINDS, Param, params_in_group

register = template.Library()

# The panel's starting request: the playground streams unless the user says otherwise.
INITIAL_BODY = {"stream": True}
STOP_SLOTS = 4
# A slider only helps when the range is short enough to pick a value by dragging.
MAX_SLIDER_SPAN = 256
# Kinds edited as rows; an option with an `editor` (registry) has a structured editor of its own;
# every other option renders by its kind.
STRUCTURED_KINDS = frozenset({"token_bias", "key_values"})


def _field_value(param_name: str, value: Any) -> str:
    """A body value as the form field shows it (True → "true"), so the browser compares strings."""
    shown = form_values_from_body({param_name: value}).get(param_name, "")
    return shown[0] if isinstance(shown, list) else shown


@dataclass
class Control:
    param: Param
    value: Any = None

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def field_id(self) -> str:
        return f"f-{self.param.name}"

    @property
    def label_for(self) -> str:
        """The control the option's heading labels: its structured editor's first one, if it has one."""
        return f"{self.field_id}-main" if self.is_structured else self.field_id

    @property
    def is_structured(self) -> bool:
        return bool(self.param.editor) or self.param.kind in STRUCTURED_KINDS

    @property
    def is_set(self) -> bool:
        return bool(self.value)

    @property
    def template_name(self) -> str:
        if self.param.editor:
            return f"params/editors/{self.param.editor}.html"
        kind = "number" if self.param.kind in NUMBER_KINDS else self.param.kind
        return f"params/controls/{kind}.html"

    @property
    def has_slider(self) -> bool:
        low, high = self.param.minimum, self.param.maximum
        return self.param.kind in NUMBER_KINDS and low is not None and high is not None and high - low <= MAX_SLIDER_SPAN

    @property
    def slider_value(self) -> Any:
        """Where the slider rests: the set value, else the API default, else the low end."""
        for candidate in (self.value, self.param.default, self.param.minimum):
            if candidate not in (None, ""):
                return candidate
        return 0

    @property
    def stop_slots(self) -> list[dict]:
        values = list(self.value or [])
        values += [""] * (STOP_SLOTS - len(values))
        return [{"index": index, "value": value} for index, value in enumerate(values[:STOP_SLOTS])]

    @property
    def picked(self) -> list[str]:
        return list(self.value or []) if isinstance(self.value, list) else []

    @property
    def search_text(self) -> str:
        return " ".join((self.param.name, self.param.label, self.param.help)).lower()

    @property
    def rules(self) -> dict | None:
        """The registry's rules about this option as the panel's live notes read them (data-rules):
        each names the fields it depends on, the value they need (as the field shows it), and the
        same sentence the server's validation gives."""
        param = self.param
        rules = {
            "needs": [{"field": need.name, "value": _field_value(need.name, need.value), "message": need.message}
                      for need in param.needs],
            "conflicts": [{"fields": list(conflict.names), "message": conflict.message}
                          for conflict in CONFLICTS[param.name]],
            "requiredWhen": [{"field": rule.name, "value": str(rule.value), "message": rule.message}
                             for rule in param.required_when],
        }
        return rules if any(rules.values()) else None

    @property
    def named_choice(self) -> dict | None:
        choice = self.param.named_choice
        if choice is None:
            return None
        return {"source": choice.source, "path": list(choice.path), "template": choice.template,
                "choicePath": list(choice.choice_path)}


@dataclass
class PanelGroup:
    key: str
    label: str
    controls: list[Control] = field(default_factory=list)

    @property
    def is_deprecated(self) -> bool:
        return self.key == "deprecated"


@register.filter
def as_json(value) -> str:
    """A value as JSON for a data attribute (the template's autoescaping quotes it)."""
    return json.dumps(value, ensure_ascii=False)


@register.simple_tag
def panel_groups(body: dict | None = None) -> list[PanelGroup]:
    """The panel's groups in order (Deprecated last), each control filled from `body`."""
    values = form_values_from_body(INITIAL_BODY if body is None else body)
    groups = [PanelGroup(group.key, group.label, [Control(param, values.get(param.name))
                                                   for param in params_in_group(group.key)])
              for group in GROUPS]
    return [group for group in groups if group.controls]
