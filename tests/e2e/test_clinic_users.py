"""Clinic users in a real browser: an invitation accepted in another browser, a deactivation
that signs the person out, an unlock; the users page at three widths."""

import re

import pytest
from playwright.sync_api import expect

from pht.models import Membership, User
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORT, log_in, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-passphrase-2026"
WIDTHS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 820, "height": 1180},
    "desktop": {"width": 1366, "height": 768},
}


@pytest.fixture
def second_browser(browser, live_server):
    """Another person's browser: its own cookies."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_an_invited_clinician_signs_up_and_is_signed_out_when_deactivated(
    page, second_browser, clinic_admin, clinic_a
):
    log_in(page, clinic_admin)
    page.get_by_role("button", name=re.compile("Cara")).click()
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("E-mail address").fill("eli@example.org")
    page.get_by_label("First name").fill("Eli")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to eli@example.org.")).to_be_visible()
    link = page.locator("#invitation-link").input_value()
    assert "/accounts/invite/" in link

    eli = second_browser
    eli.goto(link)
    expect(eli.get_by_role("heading", name="Join Northside Physio")).to_be_visible()
    expect(eli.get_by_label("Username")).to_have_value("eli")
    expect(eli.get_by_label("First name")).to_have_value("Eli")
    eli.get_by_label("Last name").fill("Ng")
    eli.locator("#id_password1").fill(NEW_PASSWORD)
    eli.locator("#id_password2").fill(NEW_PASSWORD)
    eli.get_by_role("button", name="Create my account").click()
    # A new member is offered a second factor first (the clinic does not require one here).
    eli.wait_for_url(re.compile(r"/accounts/two-factor/$"))
    expect(eli.get_by_text("Welcome to Northside Physio.")).to_be_visible()
    eli.get_by_role("link", name="Not now: go to the dashboard").click()
    eli.wait_for_url(re.compile(r"/$"))
    expect(eli.get_by_role("button", name="Eli Ng")).to_be_visible()
    assert Membership.objects.get(user__username="eli").clinic == clinic_a

    page.goto("/clinic/users/")
    page.get_by_role("button", name="Deactivate Eli Ng").click()
    expect(page.get_by_text("Eli Ng can no longer use this clinic.")).to_be_visible()
    eli.reload()
    eli.wait_for_url(re.compile(r"/accounts/login/"))
    expect(eli.get_by_role("heading", name="Log in")).to_be_visible()
    assert not User.objects.get(username="eli").is_active


def test_a_locked_out_colleague_is_unlocked_by_the_admin(
    page, second_browser, clinic_admin, colleague, settings
):
    ben = second_browser
    for _ in range(settings.AXES_FAILURE_LIMIT):
        ben.goto("/accounts/login/")
        ben.get_by_label("Username").fill("ben")
        ben.get_by_label("Password").fill("not-the-password")
        ben.get_by_role("button", name="Log in").click()
    expect(ben.get_by_role("heading", name="Log-in locked")).to_be_visible()
    expect(ben.get_by_text("A clinic admin at your clinic can unlock your account")).to_be_visible()

    log_in(page, clinic_admin)
    page.goto("/clinic/users/")
    expect(page.get_by_text("Locked out", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Unlock Ben")).click()
    expect(page.get_by_text(re.compile(r"Ben .* can log in again\."))).to_be_visible()

    log_in(ben, colleague, PASSWORD)
    expect(ben.get_by_role("link", name="Dashboard")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_users_page_at_each_width(page, clinic_admin, clinician, colleague, invited, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinic_admin)
    page.goto("/clinic/users/")
    expect(page.get_by_role("heading", name="Users of Northside Physio")).to_be_visible()
    expect(page.get_by_role("cell", name="eli@example.org", exact=True)).to_be_visible()
    # Nothing wider than the window but the tables, which scroll inside their own box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, f"clinic-users-{WIDTHS[width]['width']}")
