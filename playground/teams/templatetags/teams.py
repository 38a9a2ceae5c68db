"""Top-bar tags: `{% workspace_switcher %}` and `{% workspace_links %}` (Providers, Workspace settings)."""

from django import template

from playground.teams import access

register = template.Library()


@register.inclusion_tag("teams/switcher.html", takes_context=True)
def workspace_switcher(context):
    request = context["request"]
    current, _membership = access.current_workspace(request)
    return {
        "current": current,
        "workspaces": [workspace for workspace, _ in access.workspaces_for(request.user)],
        "here": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("teams/nav_links.html", takes_context=True)
def workspace_links(context):
    request = context["request"]
    current, _membership = access.current_workspace(request)
    match = request.resolver_match
    section = match.namespace if match is not None and match.namespace in ("teams", "providers", "experiments") else ""
    if section == "teams":
        section = match.url_name
    return {"current": current, "section": section}
