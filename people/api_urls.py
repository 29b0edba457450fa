from django.urls import path

from people import api

app_name = "people-api"

urlpatterns = [
    path("people/", api.PeopleListCreate.as_view(), name="list"),
    path("people/<int:person_id>/", api.PersonDetail.as_view(), name="detail"),
    path("people/<int:person_id>/consents/", api.PersonConsents.as_view(), name="consents"),
    path("people/<int:person_id>/audit/", api.PersonAudit.as_view(), name="audit"),
    path("me/", api.Me.as_view(), name="me"),
]
