"""Sessions: history, replay, diff, export/import, sharing and prices; mounted at /sessions/."""

from django.urls import path

from . import run_views, share_views, transfer_views, views

app_name = "conversations"

urlpatterns = [
    path("", views.history_list, name="history"),
    path("sidebar", views.sidebar, name="sidebar"),
    path("trash", views.trash, name="trash"),
    path("import", transfer_views.import_session, name="import"),
    path("prices", transfer_views.prices, name="prices"),
    path("prices/<str:price_id>/delete", transfer_views.delete_price, name="delete_price"),
    path("diff", run_views.run_diff, name="diff"),
    path("shared/<str:token>/", share_views.shared, name="shared"),
    path("shared/<str:token>/fork", share_views.fork, name="fork"),
    path("runs/<str:run_id>/branch", run_views.branch, name="branch"),
    path("runs/<str:run_id>/request", run_views.run_request, name="run_request"),
    path("runs/<str:run_id>/request.json", run_views.run_body, name="run_body"),
    path("runs/<str:run_id>/playback", run_views.playback, name="playback"),
    path("runs/<str:run_id>/playback.json", run_views.playback_data, name="playback_data"),
    path("runs/<str:run_id>/cost", run_views.run_cost, name="run_cost"),
    path("<str:conversation_id>/runs", run_views.session_runs, name="runs"),
    path("<str:conversation_id>/tree", run_views.tree, name="tree"),
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
]
