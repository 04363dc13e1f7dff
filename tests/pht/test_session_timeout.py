"""Sessions end after a spell of inactivity, and in any case some hours after signing in."""

import time

from django.urls import reverse

from pht.middleware import SessionTimeout


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_idle_session_is_signed_out_with_a_message(clinician_client, settings):
    settings.SESSION_IDLE_MINUTES = 30
    _age_session(clinician_client, **{SessionTimeout.ACTIVITY: 31 * 60})
    response = clinician_client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_activity_keeps_the_session(clinician_client, settings):
    settings.SESSION_IDLE_MINUTES = 30
    _age_session(clinician_client, **{SessionTimeout.ACTIVITY: 29 * 60})
    assert clinician_client.get(reverse("dashboard")).status_code == 200
    assert time.time() - clinician_client.session[SessionTimeout.ACTIVITY] < 5


def test_the_absolute_limit_ends_even_an_active_session(clinician_client, settings):
    settings.SESSION_ABSOLUTE_HOURS = 8
    _age_session(
        clinician_client,
        **{SessionTimeout.SIGNED_IN: 8 * 3600 + 60, SessionTimeout.ACTIVITY: 10},
    )
    response = clinician_client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_wrong_password_does_not_say_nothing_was_saved(client, clinician):
    response = client.post(reverse("login"), {"username": clinician.username, "password": "no"})
    content = response.content.decode()
    assert "Nothing was saved" not in content
    assert "Please enter a correct username and password" in content
