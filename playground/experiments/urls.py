"""Experiments and datasets, mounted at /experiments/."""

from django.urls import path

from . import dataset_views, review_views, setup_views, views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="list"),
    path("new", views.new_experiment, name="new"),
    path("shared/<str:token>/", review_views.shared, name="shared"),
    path("shared/<str:token>/fork", review_views.fork, name="fork"),
    # Datasets
    path("datasets/new", dataset_views.new_dataset, name="dataset_new"),
    path("datasets/from-run/<str:run_id>", dataset_views.add_run_to_dataset, name="add_run_to_dataset"),
    path("datasets/add-values", dataset_views.add_values_to_dataset, name="add_values_to_dataset"),
    path("datasets/<str:dataset_id>/", dataset_views.dataset_page, name="dataset"),
    path("datasets/<str:dataset_id>/rename", dataset_views.rename_dataset, name="dataset_rename"),
    path("datasets/<str:dataset_id>/delete", dataset_views.delete_dataset, name="dataset_delete"),
    path("datasets/<str:dataset_id>/columns", dataset_views.set_columns, name="dataset_columns"),
    path("datasets/<str:dataset_id>/rows/add", dataset_views.add_row, name="dataset_add_row"),
    path("datasets/<str:dataset_id>/rows/paste", dataset_views.paste_rows, name="dataset_paste"),
    path("datasets/<str:dataset_id>/rows/<str:row_id>", dataset_views.update_row, name="dataset_row"),
    path("datasets/<str:dataset_id>/rows/<str:row_id>/duplicate", dataset_views.duplicate_row, name="dataset_duplicate_row"),
    path("datasets/<str:dataset_id>/rows/<str:row_id>/delete", dataset_views.delete_row, name="dataset_delete_row"),
    path("datasets/<str:dataset_id>/rows/<str:row_id>/added", dataset_views.row_added, name="dataset_row_added"),
    path("datasets/<str:dataset_id>/import", dataset_views.import_rows, name="dataset_import"),
    path("datasets/<str:dataset_id>/export.csv", dataset_views.export_csv, name="dataset_export_csv"),
    path("datasets/<str:dataset_id>/export.jsonl", dataset_views.export_jsonl, name="dataset_export_jsonl"),
    # An experiment
    path("<str:experiment_id>/", views.experiment_page, name="page"),
    path("<str:experiment_id>/grid", views.grid_partial, name="grid"),
    path("<str:experiment_id>/summary", views.summary_partial, name="summary"),
    path("<str:experiment_id>/cells/<str:cell_id>/", views.cell_page, name="cell"),
    path("<str:experiment_id>/cells/<str:cell_id>/rate", review_views.rate_cell, name="rate"),
    path("<str:experiment_id>/blind", views.blind_page, name="blind"),
    path("<str:experiment_id>/blind/judge", review_views.judge, name="judge"),
    path("<str:experiment_id>/delete", views.delete_experiment, name="delete"),
    path("<str:experiment_id>/fork", review_views.fork_own, name="fork_own"),
    path("<str:experiment_id>/share", review_views.share_settings, name="share"),
    path("<str:experiment_id>/share/revoke", review_views.revoke, name="revoke"),
    path("<str:experiment_id>/export.json", review_views.export_json, name="export_json"),
    path("<str:experiment_id>/export.csv", review_views.export_csv, name="export_csv"),
    path("<str:experiment_id>/setup", setup_views.setup, name="setup"),
    path("<str:experiment_id>/setup/template", setup_views.save_template, name="save_template"),
    path("<str:experiment_id>/setup/variables", setup_views.template_variables, name="template_variables"),
    path("<str:experiment_id>/setup/concurrency", setup_views.save_concurrency, name="concurrency"),
    path("<str:experiment_id>/setup/rows", setup_views.add_dataset_rows, name="add_rows"),
    path("<str:experiment_id>/variants/new", setup_views.save_variant, name="variant_new"),
    path("<str:experiment_id>/variants/<str:variant_id>", setup_views.save_variant, name="variant"),
    path("<str:experiment_id>/variants/<str:variant_id>/duplicate", setup_views.duplicate_variant, name="variant_duplicate"),
    path("<str:experiment_id>/variants/<str:variant_id>/delete", setup_views.delete_variant, name="variant_delete"),
    path("<str:experiment_id>/checks/new", setup_views.save_check, name="check_new"),
    path("<str:experiment_id>/checks/<str:check_id>/delete", setup_views.delete_check, name="check_delete"),
]
