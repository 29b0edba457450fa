"""What every API shares: errors as a JSON body with a readable "detail", even those Django answers
before any API view runs."""

from __future__ import annotations

import pytest
from django.test import Client

from core.api import server_error


@pytest.mark.parametrize("path", ["/api/people/not-a-number/", "/api/no-such-thing/", "/hsds/services/a/b/c"])
def test_an_api_address_that_matches_nothing_gets_a_json_404(db, path):
    response = Client().get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "There is nothing at this address in the API."}


def test_a_page_address_that_matches_nothing_keeps_the_html_404_page(db):
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_under_the_api_answers_json_and_a_page_crash_the_error_page(rf):
    api = server_error(rf.get("/api/people/"))
    page = server_error(rf.get("/directory/"))

    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert "went wrong" in api.content.decode()
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
