"""Browser journeys: Playwright (sync API) driving Debian's Chromium against the live server.

Every test here runs against pytest-django's ``live_server`` in a transactional database, which
is flushed after each test; ``_shipped_exercise_library`` puts back the exercise library that a
data migration loads. (``serialized_rollback`` did not: when other database tests ran first, the
connection these tests get had no ``_test_serialized_contents``, so nothing was reloaded after
the first flush and every plan fixture failed with "Choose at least one exercise".)
Without ``/usr/bin/chromium`` the whole package is skipped with the reason in the summary
(``-rs``); ``.ci/run`` installs Chromium, so CI always runs it.
"""

import re
from pathlib import Path

import pytest

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = f"Browser journeys skipped: {CHROMIUM} not found (CI installs it)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
E2E_DIR = Path(__file__).parent
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(skip)


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API leaves an event loop running in this thread, and Django refuses
    ORM calls there ("You cannot call this from an async context") unless this is set.

    Set for this package only: elsewhere it would hide real async mistakes, and it fails
    ``check --deploy`` in the subprocesses other tests start (async.E001).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwright):
    """One Chromium for the package, closed after its last test so that no Playwright loop is
    left running for the tests that come after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _shipped_exercise_library(transactional_db):
    from rehab import services
    from rehab.models import Exercise

    if not Exercise.objects.filter(clinic__isnull=True).exists():
        services.load_shipped_library()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, with base URL set to the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _console_error(errors, message))
    page.on("response", lambda response: _static_error(errors, response))
    yield page
    context.close()
    # A CSP violation or a broken script shows up here, whatever the test was checking.
    assert not errors, f"errors in the browser console: {errors}"


def _console_error(errors: list[str], message) -> None:
    # An HTTP error status (the refused journey's 404) is logged as "Failed to load resource";
    # the page itself is what that test checks. Anything else (a CSP refusal, a script error) is
    # a defect.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def _static_error(errors: list[str], response) -> None:
    # A missing stylesheet or script would leave the screenshots and the axe results wrong.
    if "/static/" in response.url and response.status >= 400:
        errors.append(f"{response.status} {response.url}")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as tests/e2e/artifacts/<name>.png (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    # Sticky parts (the live panel, the form's action bar) are drawn where the window is
    # scrolled; from the top they sit where a reader first sees them.
    page.evaluate("window.scrollTo(0, 0)")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, user, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would, and land on the dashboard."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$"))


def choose(page, group: str, option: str) -> None:
    """Pick ``option`` in the radio (or checkbox) group labelled ``group`` by clicking its label."""
    page.get_by_role("group", name=group, exact=True).get_by_text(option, exact=True).click()
