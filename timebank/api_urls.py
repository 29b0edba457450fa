from django.urls import path

from timebank import api

app_name = "timebank-api"

urlpatterns = [
    path("accounts/", api.AccountList.as_view(), name="accounts"),
    path("accounts/<int:account_id>/", api.AccountDetail.as_view(), name="account"),
    path("accounts/<int:account_id>/entries/", api.AccountEntries.as_view(), name="entries"),
    path("transfers/", api.TransferCreate.as_view(), name="transfers"),
    path("exchanges/", api.ExchangeCreate.as_view(), name="exchanges"),
    path("exchanges/<int:exchange_id>/confirm/", api.ExchangeConfirm.as_view(), name="confirm-exchange"),
    path("offers/", api.OfferListCreate.as_view(), name="offers"),
    path("requests/", api.RequestListCreate.as_view(), name="requests"),
]
