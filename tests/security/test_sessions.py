"""Session lifetime and log-in lockout limits come from the environment; expired sessions end."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "from django.conf import settings; import json; print(json.dumps({"
    "'age': settings.SESSION_COOKIE_AGE, "
    "'limit': settings.AXES_FAILURE_LIMIT, "
    "'cooloff': settings.AXES_COOLOFF_TIME.total_seconds()}))"
)


def settings_with(**env) -> dict:
    """The settings a fresh process reads from ``env`` (on top of a clean development env)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SESSION_", "AXES_"))}
    full_env.update(DEBUG="1", **env)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_session_lifetime_defaults_to_eight_hours():
    assert settings_with()["age"] == 8 * 60 * 60


def test_the_session_lifetime_comes_from_the_environment():
    assert settings_with(SESSION_COOKIE_AGE="900")["age"] == 900


def test_the_lockout_limits_come_from_the_environment():
    read = settings_with(AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="60")
    assert (read["limit"], read["cooloff"]) == (3, 3600)


def test_an_expired_session_is_sent_to_login(clinician_client):
    assert clinician_client.get(reverse("dashboard")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = clinician_client.get(reverse("assessments:patient_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_session_cookie_carries_the_configured_lifetime(client, clinician, settings):
    from tests.factories import PASSWORD

    settings.SESSION_COOKIE_AGE = 600
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    session = Session.objects.get()
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 590 < remaining <= 600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 600
