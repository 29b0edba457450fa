"""Which address lockouts, rate limits and the audit log see, with and without a reverse proxy."""

import pytest
from django.test import Client, RequestFactory, override_settings

from core.middleware import client_ip
from core.testing import PASSWORD


def request_from(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_a_forged_forwarded_header_is_ignored():
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_used_and_client_sent_entries_are_not():
    # The client sent "10.0.0.1" itself; nginx appended the address it saw, 198.51.100.7.
    request = request_from("127.0.0.1", "10.0.0.1, 198.51.100.7")

    assert client_ip(request) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_outer_proxys_entry_is_used():
    assert client_ip(request_from("127.0.0.1", "10.0.0.1, 198.51.100.7, 192.0.2.3")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("header", [None, "", "not-an-address", " , "])
def test_a_missing_or_malformed_header_falls_back_to_the_connection_address(header):
    assert client_ip(request_from("127.0.0.1", header)) == "127.0.0.1"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1, AXES_FAILURE_LIMIT=2)
def test_a_visitor_locked_out_behind_the_proxy_does_not_lock_out_the_next_visitor(cast):
    username = cast.member.user.username
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    for _ in range(3):
        attacker.post("/accounts/sign-in/", {"username": username, "password": "wrong-password-1"})
    locked = attacker.post("/accounts/sign-in/", {"username": username, "password": PASSWORD})
    assert locked.status_code == 429

    neighbour = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.77")
    response = neighbour.post("/accounts/sign-in/", {"username": username, "password": PASSWORD})

    assert response.status_code == 302
