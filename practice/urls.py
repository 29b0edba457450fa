from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/new/", views.round_add, name="round-add"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/invite/", views.invite, name="invite"),
    path("rounds/<int:round_id>/close/", views.close, name="close"),
    path("rounds/<int:round_id>/answer/", views.answer, name="answer"),
    path("rounds/<int:round_id>/paper/", views.paper, name="paper"),
    path("rounds/<int:round_id>/report/", views.report, name="report"),
    path("rounds/<int:round_id>/report.pdf", views.report_pdf, name="report-pdf"),
    path("answer/", views.code_entry, name="code"),
    path("answer/<str:code>/", views.anonymous, name="anonymous"),
    path("statements/", views.statements, name="statements"),
    path("statements/<int:statement_id>/", views.statement_edit, name="statement"),
    path("depth/", views.depth, name="depth"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("actions/<int:action_id>/status/", views.action_status, name="action-status"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("stakeholders/", views.stakeholders, name="stakeholders"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<slug:slug>/", views.case, name="case"),
]
