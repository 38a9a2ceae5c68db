"""Sessions: history, run trees, export/import and sharing; mounted at /sessions/."""

from django.urls import path

from . import share_views, transfer_views, views

app_name = "conversations"

urlpatterns = [
    path("", views.history_list, name="history"),
    path("sidebar", views.sidebar, name="sidebar"),
    path("trash", views.trash, name="trash"),
    path("import", transfer_views.import_session, name="import"),
    path("shared/<str:token>/", share_views.shared, name="shared"),
    path("shared/<str:token>/fork", share_views.fork, name="fork"),
    path("<str:conversation_id>/runs", views.session_runs, name="runs"),
    path("<str:conversation_id>/tree", views.tree, name="tree"),
    path("<str:conversation_id>/rename", views.rename, name="rename"),
    path("<str:conversation_id>/tags", views.set_tags, name="tags"),
    path("<str:conversation_id>/pin", views.toggle_pin, name="pin"),
    path("<str:conversation_id>/visibility", views.set_visibility, name="visibility"),
    path("<str:conversation_id>/delete", views.delete, name="delete"),
    path("<str:conversation_id>/restore", views.restore, name="restore"),
    path("<str:conversation_id>/export.json", transfer_views.export_json, name="export_json"),
    path("<str:conversation_id>/export.md", transfer_views.export_markdown, name="export_markdown"),
    path("<str:conversation_id>/share", share_views.share_settings, name="share"),
    path("<str:conversation_id>/share/revoke", share_views.revoke, name="revoke"),
    path("<str:conversation_id>/fork", share_views.fork_session, name="fork_session"),
]
