"""Two-factor sign-in in the browser: enrol an authenticator app (the test reads the key off the
page and computes the code as the phone would), sign in with password and code, a recovery
code that works once, and passkeys through Chromium's virtual authenticator."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from pht.models import AccessLog
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD
from tests.pht.test_two_factor import enrol

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 820, "desktop": 1366}
VERIFY = re.compile(r"/accounts/two-factor/verify/")
DASHBOARD = re.compile(r"/$")


def phone_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed off the page."""
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def password_step(page, user) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.locator("nav .dropdown-toggle").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def shoot(page, name: str) -> None:
    screenshot(page, f"two-factor-{name}")


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_enrol_an_app_then_sign_in_with_password_and_code(page, clinician):
    password_step(page, clinician)
    page.wait_for_url(DASHBOARD)
    page.goto("/accounts/two-factor/")
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.get_by_role("button", name="Show the QR code").click()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    secret = page.locator("#app-secret").inner_text().strip()
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{1,4}", secret), secret
    page.get_by_label("6-digit code from the app").fill(phone_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert TOTPDevice.objects.get(user=clinician).confirmed
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_text("On", exact=True)).to_be_visible()

    log_out(page)
    password_step(page, clinician)
    page.wait_for_url(VERIFY)
    page.goto("/patients/")  # nothing else opens before the second factor
    page.wait_for_url(VERIFY)
    # The enrolment used this 30-second step's code: the phone's next one is accepted.
    page.get_by_label("Code").fill(phone_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/patients/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert AccessLog.objects.filter(detail="two-factor sign-in: authenticator app").count() == 1


def test_a_recovery_code_works_once(page, clinician, clinic_a):
    _, codes = enrol(clinician, clinic_a)
    password_step(page, clinician)
    page.wait_for_url(VERIFY)
    page.get_by_label("Code").fill(f"{codes[0][:4]} {codes[0][4:]}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(DASHBOARD)
    log_out(page)
    password_step(page, clinician)
    page.wait_for_url(VERIFY)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code did not work")).to_be_visible()
    assert VERIFY.search(page.url)


@pytest.fixture
def passkey_site(settings, live_server):
    """django-otp-webauthn checks the page's origin: the live server's, on localhost."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


def virtual_authenticator(page) -> None:
    """A platform authenticator (like Touch ID) that says yes, through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def test_register_a_passkey_then_sign_in_with_it(page, clinician, passkey_site):
    virtual_authenticator(page)
    password_step(page, clinician)
    page.wait_for_url(DASHBOARD)
    page.goto("/accounts/two-factor/")
    page.get_by_role("button", name="Add a passkey").click()
    passkeys = page.get_by_role("region", name="Passkeys").get_by_role("listitem")
    expect(passkeys).to_have_count(1)
    expect(passkeys).to_contain_text("Passkey 1, added")
    assert WebAuthnCredential.objects.filter(user=clinician, confirmed=True).count() == 1
    assert AccessLog.objects.filter(detail="two-factor: passkey added").count() == 1

    log_out(page)
    password_step(page, clinician)
    page.wait_for_url(VERIFY)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert AccessLog.objects.filter(detail="two-factor sign-in: passkey").count() == 1


@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
def test_the_two_factor_pages_fit_each_width(page, clinician, clinic_a, width):
    page.set_viewport_size({"width": width, "height": 900})
    device, _ = enrol(clinician, clinic_a)
    password_step(page, clinician)
    page.wait_for_url(VERIFY)
    shoot(page, f"two-factor-verify-{width}")
    assert _sideways(page) <= 0
    totp = TOTP(device.bin_key)
    totp.time = time.time() + 30
    page.get_by_label("Code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(DASHBOARD)
    for name, url in (("setup", "/accounts/two-factor/"), ("app", "/accounts/two-factor/app/")):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if name == "app":
            page.get_by_role("button", name="Show the QR code").click()
            expect(page.locator("#app-secret")).to_be_visible()
        shoot(page, f"two-factor-{name}-{width}")
        assert _sideways(page) <= 0, f"{name} pans sideways at {width} px"
    page.goto("/accounts/two-factor/")
    page.get_by_role("button", name="Make new recovery codes").click()
    expect(page.get_by_role("list", name="Recovery codes")).to_be_visible()
    shoot(page, f"two-factor-codes-{width}")
    assert _sideways(page) <= 0
