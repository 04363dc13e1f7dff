"""Log-in lockout (django-axes): repeated failures lock a username from one address."""

import datetime
import io

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

LOCKED_MESSAGE = (
    "Too many failed log-in attempts. A clinic admin at your clinic can unlock your account "
    "from Clinic → Users, or try again in 15 minutes."
)


def log_in(client, password, username="ada", ip="203.0.113.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail(client, times, **kwargs):
    for _ in range(times):
        log_in(client, "not-the-password", **kwargs)


@pytest.fixture
def locked(client, clinician, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)
    return client


def test_the_defaults_lock_after_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_failures_below_the_limit_leave_the_login_open(client, clinician, settings):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_the_last_allowed_failure_answers_with_the_lockout_page(client, clinician, settings):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    response = log_in(client, "not-the-password")
    assert response.status_code == 429
    assert LOCKED_MESSAGE in " ".join(response.content.decode().split())


def test_the_lockout_page_uses_the_site_layout(locked):
    response = log_in(locked, "still-wrong")
    assert response.status_code == 429
    assert b'href="/accounts/login/"' in response.content
    assert b"<title>Log-in locked" in response.content


def test_a_correct_password_is_refused_while_locked(locked):
    response = log_in(locked, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in locked.session


def test_the_lock_holds_only_for_that_username_and_address(locked, colleague):
    assert log_in(locked, PASSWORD, ip="198.51.100.9").status_code == 302
    assert log_in(Client(), PASSWORD, username="ben").status_code == 302


def test_the_lock_expires_after_the_cool_off(locked):
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    response = log_in(locked, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_axes_reset_unlocks_at_once(locked):
    out = io.StringIO()
    call_command("axes_reset", stdout=out)
    assert "1 attempts removed" in out.getvalue()
    assert log_in(locked, PASSWORD).status_code == 302


def test_a_successful_log_in_clears_earlier_failures(client, clinician, settings):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    log_in(client, PASSWORD)
    assert not AccessAttempt.objects.exists()


def test_force_login_is_not_affected_by_a_lock(locked, clinician):
    client = Client()
    client.force_login(clinician)
    assert client.get(reverse("dashboard")).status_code == 200
