from django.urls import path  # noqa: F401

# Included by timebank/urls.py into the "timebank" namespace; every name starts with "broker-".
urlpatterns: list = []
