from django.urls import path

from timebank import broker_urls, views

app_name = "timebank"

# Member pages are listed here; brokers' pages live in broker_urls (same "timebank" namespace,
# names starting "broker-").
urlpatterns: list = [
    path("timebank/", views.home, name="home"),
    path("timebank/join/", views.join, name="join"),
    path("timebank/digest/", views.digest, name="digest"),
    path("timebank/board/", views.board, name="board"),
    path("timebank/board/new/", views.listing_new, name="listing-new"),
    path("timebank/board/<int:listing_id>/", views.listing_detail, name="listing"),
    path("timebank/board/<int:listing_id>/edit/", views.listing_edit, name="listing-edit"),
    path("timebank/board/<int:listing_id>/close/", views.listing_close, name="listing-close"),
    path("timebank/exchanges/new/", views.exchange_new, name="exchange-new"),
    path("timebank/exchanges/<int:exchange_id>/", views.exchange_detail, name="exchange"),
    path("timebank/exchanges/<int:exchange_id>/confirm/", views.exchange_confirm, name="exchange-confirm"),
    path("timebank/exchanges/<int:exchange_id>/decline/", views.exchange_decline, name="exchange-decline"),
    path("timebank/give/", views.donate, name="donate"),
    path("timebank/spend/", views.spend, name="spend"),
    path("timebank/send/", views.send, name="send"),
    path("timebank/statement/", views.my_statement, name="statement"),
    path("timebank/statement/csv/", views.my_statement, {"fmt": "csv"}, name="statement-csv"),
    path("timebank/statement/pdf/", views.my_statement, {"fmt": "pdf"}, name="statement-pdf"),
    path("timebank/accounts/<int:account_id>/statement/", views.account_statement, name="account-statement"),
    path(
        "timebank/accounts/<int:account_id>/statement/csv/",
        views.account_statement,
        {"fmt": "csv"},
        name="account-statement-csv",
    ),
    path(
        "timebank/accounts/<int:account_id>/statement/pdf/",
        views.account_statement,
        {"fmt": "pdf"},
        name="account-statement-pdf",
    ),
] + broker_urls.urlpatterns
