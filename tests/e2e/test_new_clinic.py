"""A new clinic's first day, as issue 15 asks: ``createclinic`` prints its first admin's
invitation; the admin accepts it and sets up an authenticator app; invites a clinician, who
accepts, sets up a second factor and signs in with it; the admin deactivates the clinician,
whose open session ends at once; reactivated, the clinician locks themselves out with wrong
passwords and the admin unlocks them."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from pht.models import AccessLog, Membership, User
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORT, screenshot
from tests.e2e.test_two_factor import phone_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD = "riverside-admin-passphrase-2026"
CLINICIAN_PASSWORD = "riverside-clinician-passphrase-2026"
VERIFY = re.compile(r"/accounts/two-factor/verify/")
SETUP = re.compile(r"/accounts/two-factor/$")


@pytest.fixture
def clinician_browser(browser, live_server):
    """The clinician's own browser: its own cookies."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def accept(page, link: str, *, first_name: str, last_name: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("First name").fill(first_name)
    page.get_by_label("Last name").fill(last_name)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(SETUP)


def set_up_app(page) -> str:
    """Enrol an authenticator app from the set-up page; returns its key as the page shows it."""
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_role("button", name="Show the QR code").click()
    secret = page.locator("#app-secret").inner_text().strip()
    page.get_by_label("6-digit code from the app").fill(phone_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="I have kept them").click()
    return secret


def sign_in(page, username: str, password: str, secret: str, steps_ahead: int) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(VERIFY)
    # Each code is accepted once: the phone's code of a later 30-second step.
    page.get_by_label("Code").fill(phone_code(secret, steps_ahead=steps_ahead))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_new_clinic_from_createclinic_to_an_unlocked_colleague(
    page, clinician_browser, live_server, settings
):
    out = io.StringIO()
    call_command(
        "createclinic",
        "Riverside Physio",
        admin_email="ria@riverside.example",
        identifier_prefix="RP",
        base_url=live_server.url,
        stdout=out,
    )
    admin_link = next(line for line in out.getvalue().splitlines() if "/accounts/invite/" in line)

    # The first admin accepts and sets up an authenticator app.
    accept(page, admin_link.strip(), first_name="Ria", last_name="Rao", password=ADMIN_PASSWORD)
    admin_secret = set_up_app(page)
    ria = User.objects.get(email="ria@riverside.example")
    assert Membership.objects.get(user=ria).is_admin

    # The admin invites a clinician, who accepts in their own browser.
    page.goto("/clinic/users/invite/")
    page.get_by_label("E-mail address").fill("sam@riverside.example")
    page.get_by_label("First name").fill("Sam")
    page.get_by_role("button", name="Send invitation").click()
    clinician_link = page.locator("#invitation-link").input_value()
    sam_page = clinician_browser
    accept(
        sam_page, clinician_link, first_name="Sam", last_name="Okoro", password=CLINICIAN_PASSWORD
    )
    sam_secret = set_up_app(sam_page)

    # Both sign in again with password and second factor.
    page.locator("nav .dropdown-toggle").click()
    page.get_by_role("button", name="Log out").click()
    sign_in(page, ria.username, ADMIN_PASSWORD, admin_secret, steps_ahead=1)
    sam_page.locator("nav .dropdown-toggle").click()
    sam_page.get_by_role("button", name="Log out").click()
    sign_in(sam_page, "sam", CLINICIAN_PASSWORD, sam_secret, steps_ahead=1)
    sam_page.goto("/patients/")
    expect(sam_page.get_by_role("heading", level=1)).to_have_text("Patients")

    # The users page shows both, each with an authenticator app.
    page.goto("/clinic/users/")
    expect(page.get_by_role("cell", name="Authenticator app")).to_have_count(2)
    screenshot(page, "new-clinic-users")

    # Deactivated: the clinician's open session ends at their next page.
    page.get_by_role("button", name="Deactivate Sam Okoro").click()
    expect(page.get_by_text("Sam Okoro can no longer use this clinic.")).to_be_visible()
    sam_page.reload()
    sam_page.wait_for_url(re.compile(r"/accounts/login/"))

    # Reactivated, then locked out by wrong passwords; the admin unlocks.
    page.get_by_role("button", name="Reactivate Sam Okoro").click()
    expect(page.get_by_text("Sam Okoro can use this clinic again.")).to_be_visible()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sam_page.goto("/accounts/login/")
        sam_page.get_by_label("Username").fill("sam")
        sam_page.get_by_label("Password").fill("not-the-password")
        sam_page.get_by_role("button", name="Log in").click()
    expect(sam_page.get_by_role("heading", name="Log-in locked")).to_be_visible()
    page.goto("/clinic/users/")
    expect(page.get_by_text("Locked out", exact=True)).to_be_visible()
    page.get_by_role("button", name="Unlock Sam Okoro").click()
    expect(page.get_by_text("Sam Okoro can log in again.")).to_be_visible()
    sign_in(sam_page, "sam", CLINICIAN_PASSWORD, sam_secret, steps_ahead=2)

    # Every step is in the clinic's audit, in words.
    page.goto("/clinic/audit/")
    audit = page.locator("main").inner_text()
    for sentence in (
        "invited a clinician",
        "Sam Okoro was deactivated by",
        "Sam Okoro was reactivated by",
        "Sam Okoro's log-in was unlocked by",
        "set up an authenticator app for two-factor sign-in",
    ):
        assert sentence in audit, sentence
    assert AccessLog.objects.filter(detail="two-factor sign-in: authenticator app").count() >= 3
