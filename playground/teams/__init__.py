"""Workspaces, membership and roles, provider credentials, and the access helpers everyone uses."""
