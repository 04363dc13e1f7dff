"""CSRF is enforced on every URL: a POST without the token is refused and changes nothing.

URLs come from the URL matrix's SPECS, so a new URL is covered automatically (a view marked
``csrf_exempt`` would fail here). Each POST carries a payload that *would* change data with
a token (checked by the positive control below), so "nothing changed" is a real result.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD
from tests.security.test_url_matrix import (
    SPECS,
    build_url,
    custom_exercise_ref,  # noqa: F401 (a fixture)
    fingerprint,
)

CSRF_PAGE = b"Nothing was saved"


def today():
    return timezone.localdate().isoformat()


def import_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "patients.csv", b"Given name,Family name,Date of birth\nIris,Okafor,04/03/1979\n"
    )


def payload(name: str) -> dict:
    """A valid form for the URL (as clinic A's admin), or {} where the POST needs none."""
    assessment = {"assessed_on": today(), "side": "left", "action": "save", "night_pain": "yes"}
    return {
        "login": {"username": "cara", "password": PASSWORD},
        "password_change": {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
        "clinic_user_invite": {"email": "fay@example.org", "role": "clinician"},
        "clinic_user_role": {"role": "clinic_admin"},
        "invitation_accept": {
            "username": "eli",
            "first_name": "Eli",
            "last_name": "Ng",
            "password1": "a-new-long-passphrase-2026",
            "password2": "a-new-long-passphrase-2026",
        },
        "assessments:patient_create": {
            "identifier": "NS-0099",
            "given_name": "Iris",
            "family_name": "Okafor",
            "date_of_birth": "1979-03-04",
            "sex": "female",
        },
        "assessments:patient_edit": {
            "identifier": "NS-0001",
            "given_name": "Hannah",
            "family_name": "Clarke-Jones",
            "date_of_birth": "1985-06-15",
            "sex": "female",
        },
        "assessments:patient_import": {"file": import_file()},
        "assessments:assessment_create": assessment,
        "assessments:assessment_edit": {**assessment, "lock_version": "0"},
        "assessments:assessment_panel": assessment,
        "assessments:assessment_sign": {"lock_version": "0", "red_flag_action": ""},
        "assessments:visa_h_create": {
            "completed_on": today(),
            **{f"q{n}": "5" for n in range(1, 7)},
            "q7": "1",
            "q8_branch": "b",
            "q8b": "2",
            "visit": "none",
        },
        "rehab:review_new": {
            "reviewed_on": today(),
            "marker_pain": "2",
            "response_24h": "same",
            "adherence": "full",
            "next_review_on": (timezone.localdate() + datetime.timedelta(days=14)).isoformat(),
        },
        "rehab:exercise_create": {
            "name": "Cable hip extension",
            "slug": "cable-hip-extension-2",
            "stages": ["2"],
            "load_type": "isotonic",
            "hip_flexion": "low",
            "sets": "3",
            "reps": "10",
            "rest_seconds": "90",
            "intensity": "12RM",
            "tempo": "3 s up, 3 s down",
            "frequency": "3 times a week",
            "instructions": "Push the leg back.",
            "cues": "Trunk upright",
            "avoid": "Arching the back",
            "source_key": "Clinic",
            "source_citation": "Protocol",
            "source_status": "Dev",
        },
    }.get(name, {})


# POSTs that do change the database when the token is there (the positive control).
MUTATING = [
    "password_change",
    "clinic_user_invite",
    "clinic_user_role",
    "clinic_user_deactivate",
    "clinic_invitation_revoke",
    "invitation_accept",
    "assessments:patient_create",
    "assessments:patient_edit",
    "assessments:patient_archive",
    "assessments:patient_import",
    "assessments:patient_import_commit",
    "assessments:patient_import_cancel",
    "assessments:assessment_create",
    "assessments:assessment_edit",
    "assessments:assessment_sign",
    "assessments:assessment_amend",
    "assessments:assessment_reevaluate",
    "assessments:visa_h_create",
    "rehab:review_new",
    "rehab:review_accept",
    "rehab:exercise_create",
    "two_factor_app_start",
]


@pytest.fixture
def csrf_admin(clinic_admin):
    """Clinic A's admin in a browser-like client that enforces CSRF, holding a CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic_admin)
    client.get(reverse("dashboard"))  # the logout form sets the CSRF cookie
    return client


def _url(name, request):
    return build_url(name, SPECS[name], request)


def test_every_url_is_listed_for_a_payload_or_needs_none():
    assert set(MUTATING) <= set(SPECS)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_post_without_the_token_is_refused(csrf_admin, name, request):
    url = _url(name, request)
    before = fingerprint()
    response = csrf_admin.post(url, payload(name))
    assert response.status_code == 403
    assert CSRF_PAGE in response.content
    assert fingerprint() == before


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_post_with_a_wrong_token_is_refused(csrf_admin, name, request):
    url = _url(name, request)
    before = fingerprint()
    response = csrf_admin.post(url, {**payload(name), "csrfmiddlewaretoken": "x" * 32})
    assert response.status_code == 403
    assert CSRF_PAGE in response.content
    assert fingerprint() == before


@pytest.mark.parametrize("name", MUTATING)
def test_the_same_post_with_the_token_goes_through(csrf_admin, name, request):
    url = _url(name, request)
    before = fingerprint()
    token = csrf_admin.cookies["csrftoken"].value
    response = csrf_admin.post(url, {**payload(name), "csrfmiddlewaretoken": token})
    assert CSRF_PAGE not in response.content
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fingerprint() != before


def test_log_out_without_the_token_keeps_the_session(csrf_admin):
    assert csrf_admin.post(reverse("logout")).status_code == 403
    assert csrf_admin.get(reverse("dashboard")).status_code == 200


def test_the_login_form_needs_the_token_too(clinic_admin):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), payload("login"))
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_htmx_panel_needs_the_token(csrf_admin, patient):
    url = reverse("assessments:assessment_panel", args=[patient.pk])
    assert csrf_admin.post(url, payload("assessments:assessment_panel")).status_code == 403
    token = csrf_admin.cookies["csrftoken"].value
    response = csrf_admin.post(url, payload("assessments:assessment_panel"), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
