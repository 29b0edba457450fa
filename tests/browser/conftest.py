"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Playwright is never asked to download a browser; CI installs /usr/bin/chromium (see the Makefile).
Every page a journey visits is checked with axe-core for WCAG 2.0, 2.1 and 2.2 A and AA.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect, sync_playwright

from core.roles import TWO_FACTOR_ROLES
from core.testing import PASSWORD

# Playwright's sync API keeps an asyncio event loop running in this thread for as long as the
# browser is open, and Django refuses ORM calls from a thread with a running loop. The tests (and
# the live server) are still plain synchronous code, so the check is switched off for this run.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not installed at {CHROMIUM} "
            "(run `make var/.debian-packages` or apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def _is_known_outside_problem(text: str) -> bool:
    # nhsuk-frontend's css loads the NHS Frutiger font from assets.nhs.uk, which our CSP
    # (font-src 'self') blocks, so pages fall back to Arial. Allowing that origin or hosting the font
    # is for the project to decide, not these tests; every other CSP report fails them.
    return "https://assets.nhs.uk/fonts/" in text and "font-src" in text


@pytest.fixture
def page_problems() -> dict:
    """Per page: script errors, CSP reports and failed loads of our own files, as they happen."""
    return {}


@pytest.fixture
def new_page(browser, live_server, transactional_db, page_problems):
    """new_page(): a page in a fresh browser context, so with its own cookies (one signed-in person).

    Our Content-Security-Policy stays in force: a page that needs an inline script or style shows up
    in page_problems, and check_a11y fails on it.
    """
    contexts = []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems = page_problems[page] = []

        def on_console(message):
            # Failed loads are judged by on_response, which knows an expected 403 page from a broken file.
            if message.type != "error" or message.text.startswith("Failed to load resource"):
                return
            if not _is_known_outside_problem(message.text):
                problems.append(f"console: {message.text}")

        def on_response(response):
            # The document's own status is checked by visit(); here only its images, css and scripts.
            own = response.url.startswith(live_server.url)
            if own and response.status >= 400 and response.request.resource_type != "document":
                problems.append(f"{response.status} for {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("response", on_response)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"Accessibility violations on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['summary']}")
    return "\n".join(lines)


@pytest.fixture
def check_a11y(axe_source, page_problems):
    """check_a11y(page): run axe-core on the page as it is now; fail on serious or critical issues,
    and on any script error, CSP report or broken file the page has had so far.

    axe is injected with page.evaluate, which the page's CSP (no inline scripts) does not govern.
    """

    def check(page) -> None:
        page.wait_for_load_state("load")
        problems = page_problems.get(page, [])
        assert not problems, f"Problems on {page.url}:\n" + "\n".join(problems)
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({
                        target: n.target.map(String), summary: n.failureSummary || "",
                    })),
                }));
            }""",
            WCAG_TAGS,
        )
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, _format_violations(page.url, blocking)

    return check


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show for this device right now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def sign_in(check_a11y):
    """sign_in(page, person): through the real sign-in page, and the two-factor page for staff.

    Staff are given a confirmed TOTP device first (unless they have one) and type its current code.
    Every page on the way, and the page it lands on, is checked with check_a11y.
    """

    def do_sign_in(page, person) -> None:
        staff = bool(set(person.role_grants.values_list("role", flat=True)) & TWO_FACTOR_ROLES)
        device = None
        if staff:
            device = TOTPDevice.objects.filter(user=person.user, confirmed=True).first()
            device = device or confirmed_device(person.user)
        page.goto("/accounts/sign-in/")
        check_a11y(page)
        page.get_by_label("Username").fill(person.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if device is not None:
            page.wait_for_url("**/accounts/two-factor/**")
            expect(page.locator("h1")).to_have_text("Enter your sign-in code")
            check_a11y(page)
            page.get_by_label("Code from your authenticator app").fill(current_code(device))
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: "/accounts/" not in url)
        check_a11y(page)

    return do_sign_in


@pytest.fixture
def visit(check_a11y):
    """visit(page, path): go to a page, check it answered as expected, and run axe on it."""

    def go(page, path: str, *, status: int = 200):
        response = page.goto(path)
        assert response is not None
        assert response.status == status, f"{path} answered {response.status}, expected {status}"
        check_a11y(page)
        return response

    return go
