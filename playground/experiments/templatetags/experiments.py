"""Small formatting filters of the experiment pages."""

from decimal import Decimal

from django import template

from playground.experiments.models import CellState

register = template.Library()
STATE_LABELS = dict(CellState.choices)


@register.filter
def cell_state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


@register.filter
def ms(seconds) -> str:
    if seconds is None:
        return "–"
    value = float(seconds) * 1000
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


@register.filter
def money(value) -> str:
    if value is None:
        return "–"
    value = Decimal(value)
    return f"{value:.4f}" if value >= Decimal("0.01") else f"{value:.6f}"


@register.filter
def number(value, places: int = 1) -> str:
    if value is None:
        return "–"
    return f"{float(value):,.{int(places)}f}"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
