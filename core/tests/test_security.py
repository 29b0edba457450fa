import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

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


@pytest.mark.django_db
def test_pages_carry_a_csp_without_inline_scripts_and_other_headers():
    response = Client().get("/accounts/sign-in/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content


def test_no_template_has_an_inline_script_or_style():
    for template in ROOT.glob("*/templates/**/*.html"):
        text = re.sub(r"{#.*?#}", "", template.read_text())  # template comments are never sent
        assert "<script>" not in text and '<script type="module">' not in text, template
        assert " style=" not in text and "<style" not in text, template
        assert " onclick=" not in text, template


def test_staff_must_pass_two_factor_before_any_page(cast):
    client = cast.client("link_worker", verified=False)
    response = client.get("/people/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/people/").status_code == 403


def test_members_do_not_need_two_factor(cast):
    response = cast.client("member", verified=False).get("/me/")
    assert response.status_code == 200


def test_sessions_expire_and_cookies_are_http_only():
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_common_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password123")
