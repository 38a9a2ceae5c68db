"""Template filters of the sessions pages."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from playground.conversations.search import snippet_parts

register = template.Library()
JUST_NOW = timedelta(minutes=1)


@register.filter
def ago(moment) -> str:
    """"just now" for the last minute, else "3 hours ago" (the largest unit only, to stay short)."""
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


@register.filter
def matches(snippet) -> list[tuple[str, bool]]:
    """A search result's snippet as (text, is_match) pieces, for the template to escape and mark."""
    return snippet_parts(snippet)
