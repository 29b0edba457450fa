from django.urls import path

from rights import views

app_name = "rights"

urlpatterns = [
    path("me/", views.mine, name="mine"),
    path("people/<int:person_id>/", views.person, name="person"),
    path("people/<int:person_id>/download/", views.download, name="download"),
    path("people/<int:person_id>/correction/", views.correction, name="correction"),
    path("people/<int:person_id>/erasure/", views.erasure, name="erasure"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/complete/", views.complete, name="complete"),
    path("requests/<int:request_id>/refuse/", views.refuse, name="refuse"),
    path("requests/<int:request_id>/withdraw/", views.withdraw, name="withdraw"),
    path("requests/<int:request_id>/erase/", views.erase, name="erase"),
]
