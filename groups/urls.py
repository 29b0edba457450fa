from django.urls import path

from groups import community_views, views

app_name = "groups"

urlpatterns = [
    path("courses/", views.home, name="home"),
    path("courses/mine/", views.mine, name="mine"),
    path("courses/manage/", views.manage, name="manage"),
    path("courses/manage/new/", views.course_add, name="course-add"),
    path("courses/manage/courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/manage/courses/<int:course_id>/runs/", views.run_add, name="run-add"),
    path("courses/manage/runs/<int:run_id>/", views.run_manage, name="run-manage"),
    path("courses/manage/runs/<int:run_id>/sessions/", views.session_add, name="session-add"),
    path("courses/manage/runs/<int:run_id>/facilitators/", views.facilitator_add, name="facilitator-add"),
    path(
        "courses/manage/runs/<int:run_id>/facilitators/<int:facilitator_id>/remove/",
        views.facilitator_remove,
        name="facilitator-remove",
    ),
    path("courses/manage/runs/<int:run_id>/publish/", views.publish, name="publish"),
    path("courses/manage/runs/<int:run_id>/cancel/", views.cancel_run, name="cancel-run"),
    path("courses/manage/runs/<int:run_id>/enrol/", views.enrol_someone, name="enrol-someone"),
    path("courses/reports/", views.reports, name="reports"),
    path("courses/runs/<int:run_id>/", views.run_detail, name="run"),
    path("courses/runs/<int:run_id>/enrol/", views.enrol, name="enrol"),
    path("courses/enrolments/<int:enrolment_id>/plan/", views.plan, name="plan"),
    path("courses/enrolments/<int:enrolment_id>/cancel/", views.cancel, name="cancel"),
    path("courses/enrolments/<int:enrolment_id>/certificate/", views.certificate, name="certificate"),
    path("courses/sessions/<int:session_id>/register/", views.register, name="register"),
    path("groups/", community_views.group_list, name="groups"),
    path("groups/<int:group_id>/", community_views.group_detail, name="group"),
    path("groups/<int:group_id>/join/", community_views.group_join, name="group-join"),
    path("groups/meetings/<int:meeting_id>/count/", community_views.meeting_count, name="meeting-count"),
    path("volunteering/", community_views.volunteering, name="volunteering"),
    path("volunteering/roles/<int:role_id>/apply/", community_views.apply, name="apply"),
    path("volunteering/applications/<int:application_id>/decide/", community_views.decide, name="decide"),
    path("volunteering/issues/", community_views.nominate, name="nominate"),
    # A hub's public prospectus, by the hub's slug (under its own prefix, so no slug can clash).
    path("prospectus/<slug:hub_slug>/", views.prospectus, name="prospectus"),
    path("prospectus/<slug:hub_slug>/pdf/", views.prospectus_pdf, name="prospectus-pdf"),
]
