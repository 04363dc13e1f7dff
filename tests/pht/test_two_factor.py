"""Two-factor sign-in: the verify step after the password, enrolment, recovery codes, removal,
the axes lockout of wrong codes and each clinic's rule (pht/twofactor.py, docs/security.md)."""

import time

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pht import twofactor
from pht.audit import Actor
from pht.models import AccessLog, Membership
from tests.factories import PASSWORD, MembershipFactory

IP = "203.0.113.7"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows (``steps_ahead`` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user, clinic) -> tuple[TOTPDevice, list[str]]:
    """An authenticator app confirmed through the services, and its recovery codes."""
    actor = Actor(user, clinic)
    device = twofactor.start_authenticator_app(actor=actor)
    codes = twofactor.confirm_authenticator_app(actor=actor, device=device, code=code_for(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def password_login(client, user) -> None:
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=IP
    )
    assert response.status_code == 302


def verify(client, code, next_url=""):
    data = {"code": code, **({"next": next_url} if next_url else {})}
    return client.post(reverse("two_factor_verify"), data, REMOTE_ADDR=IP)


@pytest.fixture
def no_throttle(settings):
    """django-otp slows a device down for a second after a wrong code; these tests type the
    right one straight after."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled(clinician, clinic_a):
    return enrol(clinician, clinic_a)


@pytest.fixture
def pending(client, clinician, enrolled):
    """Ada, who has an authenticator app, after her password and before her code."""
    password_login(client, clinician)
    return client


# --- The verify step --------------------------------------------------------------------


def test_the_password_alone_leads_to_the_verify_page(pending):
    response = pending.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?next=%2F"


@pytest.mark.parametrize(
    "url_name",
    ["dashboard", "assessments:patient_list", "password_change", "two_factor_setup", "admin:index"],
)
def test_every_page_waits_for_the_second_factor(pending, url_name):
    response = pending.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))


def test_a_background_request_gets_401_until_the_second_factor(pending, patient):
    url = reverse("assessments:assessment_panel", args=[patient.pk])
    response = pending.post(url, {}, HTTP_HX_REQUEST="true", HTTP_X_PHT_PAGE="/patients/")
    assert response.status_code == 401
    assert response.json()["login_url"] == f"{reverse('two_factor_verify')}?next=%2Fpatients%2F"


def test_a_patient_record_is_not_shown_before_the_second_factor(pending, patient):
    response = pending.get(reverse("assessments:patient_detail", args=[patient.pk]))
    assert response.status_code == 302
    assert not AccessLog.objects.filter(patient_id=patient.pk).exists()


def test_a_lockout_meanwhile_signs_the_waiting_session_out(pending, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "ada", "password": "wrong"}, REMOTE_ADDR=IP)
    response = pending.get(reverse("two_factor_verify"), REMOTE_ADDR=IP)
    assert response.status_code == 429
    assert "_auth_user_id" not in pending.session


def test_a_passkey_waits_for_the_lockout_too(client, clinician, settings):
    add_passkey(clinician)
    password_login(client, clinician)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("login"), {"username": "ada", "password": "x"}, REMOTE_ADDR=IP)
    response = client.post(
        reverse("passkey_verify_complete"), "{}", "application/json", REMOTE_ADDR=IP
    )
    assert response.status_code == 429
    assert not AccessLog.objects.filter(detail__startswith="two-factor sign-in").exists()


def test_log_out_stays_open(pending):
    response = pending.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in pending.session


def test_passkey_registration_waits_for_the_second_factor_too(pending):
    response = pending.post(reverse("passkey_register_begin"), HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert "otp_webauthn_register_state" not in pending.session


def test_a_passkey_user_is_offered_the_passkey_without_inline_script(client, clinician, settings):
    from tests.security.inline import inline_code

    settings.OTP_WEBAUTHN_RP_ID = "clinic.example.org"
    add_passkey(clinician)
    password_login(client, clinician)
    response = client.get(reverse("two_factor_verify"))
    page = response.content.decode()
    assert 'id="passkey-verification-button"' in page
    assert 'id="otp_webauthn_config" hidden' in page
    assert "django_otp_webauthn/otp_webauthn_auth.js" in page
    assert inline_code(page) == []
    begin = client.post(reverse("passkey_verify_begin"), HTTP_ACCEPT="application/json")
    assert begin.status_code == 200
    assert begin.json()["rpId"] == "clinic.example.org"


def test_the_verify_page_asks_for_the_code(pending):
    response = pending.get(reverse("two_factor_verify"))
    assert response.status_code == 200
    assert b"One more step" in response.content
    assert b'name="code"' in response.content


def test_a_current_app_code_completes_the_sign_in(pending, enrolled, clinician):
    device, _ = enrolled
    # The enrolment used this step's code; the app's next code is accepted (one step of drift).
    response = verify(pending, code_for(device, steps_ahead=1), next_url="/patients/")
    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    assert pending.get(reverse("dashboard")).status_code == 200
    row = AccessLog.objects.filter(detail="two-factor sign-in: authenticator app").get()
    assert (row.username, row.object_type, row.object_id, row.patient_id) == (
        "ada",
        "user",
        None,
        None,
    )


def test_a_code_typed_with_a_space_works(pending, enrolled):
    device, _ = enrolled
    code = code_for(device, steps_ahead=1)
    assert verify(pending, f"{code[:3]} {code[3:]}").status_code == 302
    assert pending.get(reverse("dashboard")).status_code == 200


def test_a_used_app_code_is_refused(pending, enrolled):
    device, _ = enrolled
    response = verify(pending, code_for(device))  # the code the enrolment just used
    assert response.status_code == 200
    assert b"That code did not work" in response.content


def test_the_next_address_must_be_this_site(pending, enrolled):
    device, _ = enrolled
    response = verify(pending, code_for(device, 1), next_url="https://evil.example/")
    assert response["Location"] == reverse("dashboard")


def test_a_recovery_code_works_once(client, clinician, enrolled, no_throttle):
    _, codes = enrolled
    password_login(client, clinician)
    assert verify(client, codes[0].upper()).status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    assert AccessLog.objects.filter(detail="two-factor sign-in: recovery code").count() == 1
    client.post(reverse("logout"))
    password_login(client, clinician)
    response = verify(client, codes[0])
    assert response.status_code == 200
    assert b"That code did not work" in response.content
    assert verify(client, codes[1]).status_code == 302


def test_wrong_codes_count_as_failed_log_ins_and_lock_at_the_limit(
    pending, clinician, settings, no_throttle
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = verify(pending, "000000")
        assert response.status_code == 200
        assert b"That code did not work" in response.content
    assert AccessAttempt.objects.get(username="ada").failures_since_start == (
        settings.AXES_FAILURE_LIMIT - 1
    )
    response = verify(pending, "000000")
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content
    assert "_auth_user_id" not in pending.session
    # The password, right as it is, is refused for that username and address until unlocked.
    again = Client().post(
        reverse("login"), {"username": "ada", "password": PASSWORD}, REMOTE_ADDR=IP
    )
    assert again.status_code == 429


def test_junk_counts_as_a_wrong_code(pending):
    response = verify(pending, "<b>1</b>")
    assert response.status_code == 200
    assert b"<b>1</b>" not in response.content
    assert AccessAttempt.objects.get(username="ada").failures_since_start == 1


def test_a_code_straight_after_a_wrong_one_asks_to_wait(pending, enrolled):
    device, _ = enrolled
    verify(pending, "000000")
    response = verify(pending, code_for(device, 1))
    assert response.status_code == 200
    assert b"Wait a moment, then type the newest code." in response.content


def test_a_right_code_after_wrong_ones_clears_the_failures(pending, enrolled, no_throttle):
    device, _ = enrolled
    verify(pending, "000000")
    assert verify(pending, code_for(device, 1)).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_user_without_a_second_factor_is_not_asked(client, clinician):
    password_login(client, clinician)
    assert client.get(reverse("dashboard")).status_code == 200
    assert client.get(reverse("two_factor_verify"))["Location"] == reverse("dashboard")


def test_a_factor_removed_meanwhile_lets_the_session_through(pending, enrolled):
    TOTPDevice.objects.all().delete()  # e.g. a superuser in Django's admin
    assert pending.get(reverse("two_factor_verify")).status_code == 302
    assert pending.get(reverse("dashboard")).status_code == 200


# --- Enrolment ----------------------------------------------------------------------------


def test_starting_saves_an_unconfirmed_app_and_shows_its_key(clinician_client, clinician):
    response = clinician_client.post(reverse("two_factor_app_start"))
    assert response["Location"] == reverse("two_factor_app")
    device = TOTPDevice.objects.get(user=clinician)
    assert device.confirmed is False
    page = clinician_client.get(reverse("two_factor_app")).content.decode()
    assert twofactor.secret_in_groups(device) in page
    assert 'src="data:image/svg+xml' in page
    assert not twofactor.has_second_factor(clinician)


def test_the_key_is_shown_in_groups_of_four(clinician, clinic_a):
    device = twofactor.start_authenticator_app(actor=Actor(clinician, clinic_a))
    groups = twofactor.secret_in_groups(device).split(" ")
    assert all(len(group) == 4 for group in groups[:-1])
    assert "".join(groups) == __import__("base64").b32encode(device.bin_key).decode().rstrip("=")


def test_starting_again_replaces_the_unfinished_app(clinician_client, clinician):
    clinician_client.post(reverse("two_factor_app_start"))
    first = TOTPDevice.objects.get(user=clinician)
    clinician_client.post(reverse("two_factor_app_start"))
    assert list(TOTPDevice.objects.filter(user=clinician)) != [first]
    assert TOTPDevice.objects.filter(user=clinician).count() == 1


def test_a_wrong_code_leaves_the_app_unconfirmed(clinician_client, clinician):
    clinician_client.post(reverse("two_factor_app_start"))
    response = clinician_client.post(reverse("two_factor_app"), {"code": "000000"})
    assert response.status_code == 200
    assert b"That code did not match" in response.content
    assert TOTPDevice.objects.get(user=clinician).confirmed is False
    assert not StaticToken.objects.exists()


def test_the_right_code_confirms_the_app_and_shows_ten_recovery_codes_once(
    clinician_client, clinician
):
    clinician_client.post(reverse("two_factor_app_start"))
    device = TOTPDevice.objects.get(user=clinician)
    response = clinician_client.post(reverse("two_factor_app"), {"code": code_for(device)})
    assert response["Location"] == reverse("two_factor_new_codes")
    device.refresh_from_db()
    assert device.confirmed is True
    tokens = list(
        StaticToken.objects.filter(device__user=clinician).values_list("token", flat=True)
    )
    assert len(tokens) == twofactor.RECOVERY_CODE_COUNT == 10
    page = clinician_client.get(reverse("two_factor_new_codes")).content.decode()
    assert all(f"{token[:4]} {token[4:]}" in page for token in tokens)
    assert "Print this page or copy the codes" in page
    again = clinician_client.get(reverse("two_factor_new_codes")).content.decode()
    assert not any(f"{token[:4]} {token[4:]}" in again for token in tokens)
    # The session that enrolled counts as verified: it is not sent to the verify page.
    assert clinician_client.get(reverse("dashboard")).status_code == 200
    details = set(AccessLog.objects.filter(object_type="user").values_list("detail", flat=True))
    assert details == {
        "two-factor: authenticator app started",
        "two-factor: authenticator app added",
        "two-factor: new recovery codes",
    }


def test_confirming_a_new_app_replaces_the_old_one(clinician, clinic_a, enrolled):
    old, _ = enrolled
    new, _ = enrol(clinician, clinic_a)
    assert list(twofactor.authenticator_apps(clinician)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


def test_confirming_with_nothing_started_sends_back(clinician_client):
    response = clinician_client.post(reverse("two_factor_app"), {"code": "123456"})
    assert response["Location"] == reverse("two_factor_app")
    assert not TOTPDevice.objects.exists()


# --- Recovery codes -----------------------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(clinician_client, clinician, enrolled):
    _, old = enrolled
    response = clinician_client.post(reverse("two_factor_recovery_codes"))
    assert response["Location"] == reverse("two_factor_new_codes")
    tokens = set(StaticToken.objects.filter(device__user=clinician).values_list("token", flat=True))
    assert len(tokens) == 10
    assert not tokens & set(old)
    assert AccessLog.objects.filter(detail="two-factor: new recovery codes").count() == 2


def test_no_recovery_codes_without_a_second_factor(clinician_client):
    response = clinician_client.post(reverse("two_factor_recovery_codes"))
    assert response["Location"] == reverse("two_factor_setup")
    assert not StaticToken.objects.exists()


# --- Removal ------------------------------------------------------------------------------


def remove(client, device, secret):
    return client.post(
        reverse("two_factor_remove"),
        {"factor": device.persistent_id, "password": secret},
        REMOTE_ADDR=IP,
    )


def test_removal_needs_the_password(clinician_client, enrolled):
    device, _ = enrolled
    response = remove(clinician_client, device, "not-the-password")
    assert response.status_code == 200
    assert b"That is not your password or a current code." in response.content
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert AccessAttempt.objects.get(username="ada").failures_since_start == 1


def test_removal_with_the_password_removes_the_app_and_its_recovery_codes(
    clinician_client, clinician, enrolled
):
    device, _ = enrolled
    response = remove(clinician_client, device, PASSWORD)
    assert response["Location"] == reverse("two_factor_setup")
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticToken.objects.exists()
    assert twofactor.factor_summary(clinician) == "None"
    assert AccessLog.objects.filter(
        detail="two-factor: authenticator app removed; recovery codes removed"
    ).exists()


def test_removal_with_a_current_code_works_too(clinician_client, enrolled):
    device, _ = enrolled
    assert remove(clinician_client, device, code_for(device, 1)).status_code == 302
    assert not TOTPDevice.objects.exists()


def test_another_users_factor_cannot_be_removed(colleague_client, enrolled):
    device, _ = enrolled
    response = remove(colleague_client, device, PASSWORD)
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def add_passkey(user) -> WebAuthnCredential:
    """A stored passkey (the browser journey registers real ones)."""
    credential_id = f"{user.pk}-{WebAuthnCredential.objects.count()}".encode()
    return WebAuthnCredential.objects.create(
        user=user,
        name="Passkey",
        confirmed=True,
        credential_id=credential_id,
        credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(credential_id),
    )


# --- What a user has (for the clinic users page) --------------------------------------------


def test_factor_summary_and_has_second_factor(clinician, clinic_a):
    assert twofactor.factor_summary(clinician) == "None"
    assert twofactor.has_second_factor(clinician) is False
    enrol(clinician, clinic_a)
    assert twofactor.factor_summary(clinician) == "Authenticator app"
    add_passkey(clinician)
    assert twofactor.factor_summary(clinician) == "Authenticator app, passkey"
    assert twofactor.has_second_factor(clinician) is True


def test_passkeys_alone_are_summed_up(clinician):
    add_passkey(clinician)
    add_passkey(clinician)
    assert twofactor.factor_summary(clinician) == "2 passkeys"


def test_recovery_codes_alone_are_not_a_second_factor(clinician, clinic_a):
    twofactor.regenerate_recovery_codes(actor=Actor(clinician, clinic_a))
    assert twofactor.has_second_factor(clinician) is False


# --- Each clinic's rule -------------------------------------------------------------------


@pytest.fixture
def strict_clinic(clinic_a):
    clinic_a.require_two_factor = True
    clinic_a.save(update_fields=["require_two_factor"])
    return clinic_a


def test_a_clinic_that_requires_it_sends_users_without_one_to_set_up(
    strict_clinic, clinician_client
):
    response = clinician_client.get(reverse("assessments:patient_list"))
    assert response["Location"] == reverse("two_factor_setup")
    page = clinician_client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    assert "Northside Physio</strong> requires two-factor sign-in" in page.content.decode()


def test_a_background_request_of_an_unenrolled_user_gets_401(strict_clinic, clinician_client):
    response = clinician_client.get(reverse("dashboard"), HTTP_X_PHT_BACKGROUND="1")
    assert response.status_code == 401
    assert "requires two-factor sign-in" in response.json()["message"]


def test_enrolling_lets_the_user_carry_on(strict_clinic, clinician_client, clinician):
    clinician_client.post(reverse("two_factor_app_start"))
    device = TOTPDevice.objects.get(user=clinician)
    clinician_client.post(reverse("two_factor_app"), {"code": code_for(device)})
    assert clinician_client.get(reverse("dashboard")).status_code == 200


def test_an_enrolled_user_signs_in_with_the_code_then_carries_on(
    strict_clinic, client, clinician, enrolled
):
    device, _ = enrolled
    password_login(client, clinician)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor_verify"))
    verify(client, code_for(device, 1))
    assert client.get(reverse("dashboard")).status_code == 200


def test_another_clinic_without_the_rule_is_not_affected(strict_clinic, other_client):
    assert other_client.get(reverse("dashboard")).status_code == 200


def test_a_user_of_two_clinics_follows_the_active_clinics_rule(strict_clinic, other_clinician):
    MembershipFactory(user=other_clinician, clinic=strict_clinic, role=Membership.Role.CLINICIAN)
    client = Client()
    client.force_login(other_clinician)
    client.post(
        reverse("clinic_switch"),
        {
            "clinic": str(
                other_clinician.memberships.get(clinic__name="Southside Sports Clinic").clinic_id
            )
        },
    )
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.post(reverse("clinic_switch"), {"clinic": str(strict_clinic.pk)})
    assert response.status_code == 302
    assert client.get(reverse("dashboard"))["Location"] == reverse("two_factor_setup")


def test_the_clinic_admin_turns_the_rule_on_and_it_is_audited(admin_client_a, clinic_a):
    data = {
        "name": clinic_a.name,
        "phone": "",
        "address": "",
        "email": "",
        "identifier_prefix": "",
        "next_identifier_number": "1",
        "require_two_factor": "on",
    }
    page = admin_client_a.get(reverse("clinic_settings")).content.decode()
    assert "Require two-factor sign-in for everyone in this clinic" in page
    response = admin_client_a.post(reverse("clinic_settings"), data)
    assert response.status_code == 302
    clinic_a.refresh_from_db()
    assert clinic_a.require_two_factor is True
    row = AccessLog.objects.get(object_type="clinic")
    assert row.detail == "fields: require_two_factor"
    # The admin has no second factor yet: their next page is the set-up page.
    assert admin_client_a.get(reverse("dashboard"))["Location"] == reverse("two_factor_setup")


# --- Passkey endpoints with junk ----------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["", "not json", "[]", '{"id": 1}', '{"id": "x", "response": null}']
)
@pytest.mark.parametrize("ceremony", ["register", "verify"])
def test_the_passkey_endpoints_refuse_junk_without_a_500(client, clinician, body, ceremony):
    add_passkey(clinician)
    password_login(client, clinician)
    if ceremony == "register":  # registering a passkey needs the session verified first
        session = client.session
        session.pop(twofactor.PENDING_SESSION_KEY)
        session.save()
        WebAuthnCredential.objects.all().delete()
    begin = client.post(reverse(f"passkey_{ceremony}_begin"), HTTP_ACCEPT="application/json")
    assert begin.status_code == 200
    response = client.post(reverse(f"passkey_{ceremony}_complete"), body, "application/json")
    assert 400 <= response.status_code < 500
    assert not AccessLog.objects.filter(detail__contains="passkey").exists()
