from django.urls import path

from timebank import broker_views as views

# Included by timebank/urls.py into the "timebank" namespace; every name starts with "broker-".
urlpatterns: list = [
    path("timebank/broker/", views.dashboard, name="broker-dashboard"),
    path("timebank/broker/approvals/", views.approvals, name="broker-approvals"),
    path(
        "timebank/broker/members/<int:account_id>/approve/",
        views.approve_member,
        name="broker-approve-member",
    ),
    path(
        "timebank/broker/exchanges/<int:exchange_id>/approve/",
        views.approve_exchange,
        name="broker-approve-exchange",
    ),
    path(
        "timebank/broker/exchanges/<int:exchange_id>/decline/",
        views.decline_exchange,
        name="broker-decline-exchange",
    ),
    path("timebank/broker/accounts/", views.accounts, name="broker-accounts"),
    path("timebank/broker/accounts/<int:account_id>/", views.account, name="broker-account"),
    path(
        "timebank/broker/transfers/<uuid:transfer_id>/reverse/",
        views.transfer_reverse,
        name="broker-reverse",
    ),
    path("timebank/broker/time-sheet/", views.time_sheet, name="broker-time-sheet"),
    path("timebank/broker/time-sheet/upload/", views.time_sheet_upload, name="broker-time-sheet-upload"),
    path("timebank/broker/group/", views.group_exchange, name="broker-group"),
    path("timebank/broker/award/", views.award, name="broker-award"),
    path("timebank/broker/pot/", views.pot, name="broker-pot"),
    path("timebank/broker/partners/", views.partners, name="broker-partners"),
    path("timebank/broker/partners/add/", views.partner_add, name="broker-partner-add"),
    path("timebank/broker/ways/add/", views.way_add, name="broker-way-add"),
    path("timebank/broker/ways/<int:way_id>/retire/", views.way_retire, name="broker-way-retire"),
    path("timebank/broker/settings/", views.hub_settings, name="broker-settings"),
]
