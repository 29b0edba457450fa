from django.urls import path

from impact import views

app_name = "impact"

urlpatterns = [
    path("", views.index, name="index"),
    path("reports/<slug:slug>/", views.report, name="report"),
    path("reports/<slug:slug>/pdf/", views.report_pdf, name="report-pdf"),
    path("reports/<slug:slug>/xlsx/", views.report_xlsx, name="report-xlsx"),
    path("sroi/new/", views.new_model, name="new-model"),
    path("sroi/<int:model_id>/", views.model_detail, name="model"),
    path(
        "sroi/<int:model_id>/outcomes/<int:outcome_id>/remove/", views.remove_outcome, name="remove-outcome"
    ),
    path("proxies/examples/", views.example_proxies, name="example-proxies"),
    path("costs/new/", views.new_comparison, name="new-comparison"),
    path("costs/<int:comparison_id>/", views.comparison_detail, name="comparison"),
    path("questionnaires/<slug:code>/", views.record, name="record"),
]
