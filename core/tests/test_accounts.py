import re

from django.test import Client

from core.testing import PASSWORD


def signs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/sign-in/", {"username": username, "password": password})
    return response.status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(cast, mailoutbox):
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "mo@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+/accounts/reset/\S+/", mailoutbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-fresh-long-passphrase", "new_password2": "a-fresh-long-passphrase"}
    )
    assert response.status_code == 302
    assert signs_in("mo", "a-fresh-long-passphrase")
    assert not signs_in("mo", PASSWORD)


def test_password_reset_says_the_same_for_an_unknown_address(cast, mailoutbox):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_signing_out_ends_the_session(cast):
    client = cast.client("member")
    assert client.get("/me/").status_code == 200
    assert client.post("/accounts/sign-out/").status_code == 302
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/sign-in/")


def test_a_login_with_no_record_in_any_hub_is_told_so(db):
    from django.contrib.auth.models import User

    User.objects.create_user("drifter", password=PASSWORD)
    client = Client()
    client.force_login(User.objects.get(username="drifter"))
    response = client.get("/")
    assert response.status_code == 403
    assert b"not part of a hub yet" in response.content
