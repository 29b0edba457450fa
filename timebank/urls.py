from django.urls import path  # noqa: F401

from timebank import broker_urls

app_name = "timebank"

# Member pages are listed here; brokers' pages live in broker_urls (same "timebank" namespace,
# names starting "broker-").
urlpatterns: list = [] + broker_urls.urlpatterns
