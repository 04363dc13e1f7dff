"""A wrong current password on the password-change form counts as a failed log-in."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from pht.models import Membership
from tests.factories import PASSWORD
from tests.security.test_lockout import log_in

URL = reverse("password_change")
IP = "203.0.113.7"
NEW = "a-new-long-passphrase-2026"
LOCKED = "A clinic admin at your clinic can unlock your account from Clinic → Users"


def change(client, old):
    return client.post(
        URL, {"old_password": old, "new_password1": NEW, "new_password2": NEW}, REMOTE_ADDR=IP
    )


@pytest.fixture
def ada(clinician):
    client = Client()
    assert log_in(client, PASSWORD).status_code == 302
    return client


def test_a_wrong_current_password_is_a_failed_log_in(ada, clinician):
    response = change(ada, "not-it")
    assert response.status_code == 200
    attempt = AccessAttempt.objects.get(username="ada", ip_address=IP)
    assert attempt.failures_since_start == 1


def test_at_the_limit_the_user_is_signed_out_and_sees_the_lockout_page(ada, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert change(ada, "not-it").status_code == 200
    response = change(ada, "not-it")
    assert response.status_code == 429
    assert LOCKED in " ".join(response.content.decode().split())
    assert "_auth_user_id" not in ada.session
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD)


def test_the_right_password_is_refused_until_the_admin_unlocks(
    ada, clinician, clinic_a, admin_client_a, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(ada, "not-it")
    assert log_in(ada, PASSWORD).status_code == 429
    membership = Membership.objects.get(user=clinician, clinic=clinic_a)
    unlock = reverse("clinic_user_unlock", args=[membership.uuid])
    assert admin_client_a.post(unlock).status_code == 302
    assert log_in(ada, PASSWORD).status_code == 302


def test_a_locked_session_cannot_change_the_password_with_the_right_one(ada, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "wrong", username="ada", ip=IP)
    response = change(ada, PASSWORD)
    assert response.status_code == 429
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD) and not clinician.check_password(NEW)


def test_the_right_current_password_changes_it(ada, clinician):
    change(ada, "not-it")
    response = change(ada, PASSWORD)
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password(NEW)


def test_an_empty_current_password_is_not_counted(ada):
    change(ada, "")
    assert not AccessAttempt.objects.exists()
