import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.testing import PASSWORD

ROOT = Path(settings.BASE_DIR)


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-" + "k9Xq" * 12,
        "ALLOWED_HOSTS": "coproduce.example.org",
        "COPRODUCE_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    # Browser tests allow sync DB calls inside Playwright's loop; check --deploy rightly warns on it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_turn_on_hsts_secure_cookies_https_and_json_logs(tmp_path):
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "LOG_FORMAT",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    env = {**os.environ, "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "coproduce.example.org"}
    env.update(DEBUG="0", COPRODUCE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="coproduce.settings")
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("LOG_FORMAT", None)
    result = subprocess.run(  # noqa: S603 - our own settings, fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "LOG_FORMAT": "json",
    }


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "COPRODUCE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# A page from each app, as the person who would see it; public pages as nobody.
PAGES = [
    (None, "/accounts/sign-in/"),
    (None, "/support/refer/riverside/"),
    (None, "/practice/answer/"),
    ("coordinator", "/"),
    ("coordinator", "/people/"),
    ("member", "/directory/"),
    ("broker", "/timebank/broker/"),
    (None, "/prospectus/riverside/"),
    ("link_worker", "/support/"),
    ("coordinator", "/practice/"),
    ("coordinator", "/impact/"),
]


@pytest.mark.parametrize(("who", "url"), PAGES, ids=[url for _, url in PAGES])
def test_pages_of_every_app_carry_a_csp_without_inline_scripts_and_other_headers(cast, who, url):
    response = (cast.client(who) if who else Client()).get(url)
    assert response.status_code == 200
    csp = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'" and csp["default-src"] == "'self'"
    assert "unsafe-inline" not in str(csp) and "unsafe-eval" not in str(csp)
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), "an inline script"
    assert " style=" not in body and "<style" not in body and " onclick=" not in body


def test_no_template_has_an_inline_script_or_style():
    for template in ROOT.glob("*/templates/**/*.html"):
        text = re.sub(r"{#.*?#}", "", template.read_text())  # template comments are never sent
        assert "<script>" not in text and '<script type="module">' not in text, template
        assert " style=" not in text and "<style" not in text, template
        assert " onclick=" not in text, template


@pytest.mark.parametrize(
    "who", ["coordinator", "link_worker", "broker", "commissioner", "administrator", "peer"]
)
def test_every_staff_role_must_pass_two_factor_before_any_page_or_api(cast, who):
    client = cast.client(who, verified=False)
    for url in ("/", "/people/", "/support/", "/timebank/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/accounts/two-factor/"), url
    for url in ("/api/people/", "/api/support/referrals/", "/api/timebank/accounts/"):
        assert client.get(url).status_code == 403, url
    assert cast.client(who).get("/").status_code == 200  # and once verified, they are in


def test_members_do_not_need_two_factor(cast):
    response = cast.client("member", verified=False).get("/me/")
    assert response.status_code == 200


def test_a_session_lasts_a_working_day_ends_with_the_browser_and_is_http_only(cast):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    response = client.post("/accounts/sign-in/", {"username": "mo", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    [session] = Session.objects.all()
    lasts = (session.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < lasts <= settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_an_expired_session_is_signed_out(cast):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    client.post("/accounts/sign-in/", {"username": "mo", "password": PASSWORD})
    assert client.get("/me/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))  # as a day passing does
    response = client.get("/me/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/sign-in/")


COMMON = "qwertyuiop"  # ten characters, so only the common-password list refuses it


def test_a_common_password_is_refused_when_a_member_sets_their_own(cast):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = cast.member.user
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    client = Client()
    form_url = client.get(f"/accounts/reset/{uid}/{token}/", follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": COMMON, "new_password2": COMMON})
    assert response.status_code == 200 and "This password is too common." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(COMMON)


def test_a_common_password_is_refused_when_a_member_is_given_one(cast):
    from core.errors import DomainError
    from core.testing import make_person
    from people import services

    person = make_person(cast.hub, "Nell Newcomer", login=False)
    with pytest.raises(DomainError) as refused:
        services.create_login(
            actor=cast.actor("administrator"), person=person, username="nell", password=COMMON
        )
    assert refused.value.field_errors["password"] == ["This password is too common."]
    person.refresh_from_db()
    assert person.user is None


# ---- rate limits on public forms ---------------------------------------------------------------
# Sign-in: django-axes (people/tests/test_views.py, the lock after five wrong passwords). Self-referral:
# support's own limit (support/tests). The rest are here.


def test_password_reset_emails_are_limited_per_address(cast, settings, mailoutbox):
    settings.PASSWORD_RESET_LIMIT = "2/3600"
    client = Client()
    for _ in range(2):
        assert client.post("/accounts/password-reset/", {"email": "mo@example.org"}).status_code == 302
    refused = client.post("/accounts/password-reset/", {"email": "mo@example.org"})
    assert refused.status_code == 429 and "Please wait an hour" in refused.content.decode()
    assert len(mailoutbox) == 2
    other = Client(REMOTE_ADDR="198.51.100.9")  # someone else is not held up
    assert other.post("/accounts/password-reset/", {"email": "mia@example.org"}).status_code == 302


def test_guessing_round_codes_is_limited_whether_typed_or_in_a_link(cast, settings):
    from practice import services

    settings.PRACTICE_CODE_LIMIT = "3/600"
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    client = Client()
    found = client.post("/practice/answer/", {"code": round_.member_code})
    assert found.status_code == 302  # a right code does not count
    assert client.post("/practice/answer/", {"code": "guess-1"}).status_code == 200
    assert client.post("/practice/answer/", {"code": "guess-2"}).status_code == 200
    assert client.get("/practice/answer/guess-3/").status_code == 404
    assert client.post("/practice/answer/", {"code": round_.member_code}).status_code == 429
    assert client.get(f"/practice/answer/{round_.member_code}/").status_code == 429


def test_anonymous_answers_to_a_round_are_limited_per_address(cast, settings):
    from practice import services
    from practice.models import Response
    from practice.tests.conftest import MEMBER_C, ratings

    settings.PRACTICE_ANSWER_LIMIT = "2/3600"
    round_ = services.open_round(actor=cast.actor("coordinator"), title="Spring", about="Team")
    data = {f"item_{k}": str(v) for k, v in ratings(round_, MEMBER_C).items()}
    client = Client()
    for _ in range(2):
        assert (
            "without your name"
            in client.post(f"/practice/answer/{round_.member_code}/", data).content.decode()
        )
    assert client.post(f"/practice/answer/{round_.member_code}/", data).status_code == 429
    assert Response.objects.filter(round=round_).count() == 2
