"""A run's pages and data, and model prices; mounted at /sessions/ beside the sessions' own pages."""

from django.urls import path

from . import views

app_name = "runs"

urlpatterns = [
    path("prices", views.prices, name="prices"),
    path("prices/<str:price_id>/delete", views.delete_price, name="delete_price"),
    path("diff", views.run_diff, name="diff"),
    path("runs/<str:run_id>/branch", views.branch, name="branch"),
    path("runs/<str:run_id>/request", views.run_request, name="run_request"),
    path("runs/<str:run_id>/request.json", views.run_body, name="run_body"),
    path("runs/<str:run_id>/playback", views.playback, name="playback"),
    path("runs/<str:run_id>/playback.json", views.playback_data, name="playback_data"),
    path("runs/<str:run_id>/cost", views.run_cost, name="run_cost"),
]
