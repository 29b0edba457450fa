from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("people/", views.people_list, name="list"),
    path("people/add/", views.person_add, name="add"),
    path("people/<int:person_id>/", views.person_detail, name="detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="edit"),
    path("people/<int:person_id>/consent/", views.person_consent, name="consent"),
    path("people/<int:person_id>/roles/", views.person_roles, name="roles"),
    path("people/<int:person_id>/login/", views.person_login, name="login"),
    path("me/", views.my_record, name="me"),
    path("audit/", views.audit_search, name="audit"),
]
