"""One audited-read path: every page that shows a patient's data writes exactly one row.

Walks the URLconf (through the URL matrix's specs, which a new URL cannot escape): each GET
page of a record answers 200 to a member of the record's clinic and leaves exactly one
access-log row naming that record's patient; the pages without a record are listed with the
reason they write none (or the one export row they write). Patient pages of Django's admin go
through the same log.
"""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from pht.models import AccessLog, User
from tests.security.test_url_matrix import (  # noqa: F401 (a fixture)
    SPECS,
    build_url,
    custom_exercise_ref,
    enumerate_url_names,
)

RECORD_PAGES = sorted(n for n, s in SPECS.items() if s.objects and not s.post_only and not s.public)
# Public pages keyed by a token: an invitation's sign-up form, a password reset form.
TOKEN_PAGES = sorted(n for n, s in SPECS.items() if s.objects and s.public)

# GET pages without a record in the URL: what they show, and so how many rows they write.
NO_RECORD_PAGES = {
    "login": 0,  # no patient data
    "password_change": 0,  # the user's own account
    "password_change_done": 0,
    # names of drafts, recent patients and rehab reviews due, linking to their logged pages
    "dashboard": 0,
    "clinic_settings": 0,  # the clinic's own details: no patient data
    "two_factor_setup": 0,  # the user's own second factors
    "two_factor_app": 0,
    "two_factor_new_codes": 0,
    "passkey_i18n": 0,  # the passkey script's translations
    "assessments:patient_list": 0,  # names and identifiers, linking to logged pages
    "assessments:patient_create": 0,  # an empty form
    # pairs of records side by side (names, birth dates, contacts, counts): one row for the
    # list, as it shows patients' details rather than links to them
    "assessments:patient_duplicates": 1,
    "rehab:exercise_list": 0,  # the exercise library: no patient data
    "rehab:exercise_create": 0,
    "clinic_users": 0,  # the clinic's members and invitations: no patient data
    "clinic_user_invite": 0,
    "clinic_audit": 0,  # the access log in words, identifiers and staff names only
    "password_reset": 0,
    "password_reset_done": 0,
    "password_reset_complete": 0,
    "exports:index": 0,  # the CSV filter form
    "exports:clinic_csv": 1,  # every patient's assessments: one export row
    "assessments:patient_import": 0,  # the upload form and the file names of past imports
    "assessments:patient_import_template": 0,  # the columns and a made-up example row
}
# Pages only a session that still owes its second factor sees (anyone else is sent on): the
# verify step writes its one row once the factor is given, none on showing the form.
SECOND_STEP_PAGES = {"two_factor_verify": 0}
# The exercise page is keyed by a slug and shows the library, not a patient. An import's
# progress is counts only, polled every second while it runs (its page logs the read).
NOT_PATIENT_RECORDS = {"rehab:exercise_detail", "assessments:patient_import_progress"}


def test_every_get_page_is_classified():
    get_pages = {n for n in enumerate_url_names() if not SPECS[n].post_only and n != "logout"}
    assert get_pages == (
        set(RECORD_PAGES) | set(NO_RECORD_PAGES) | set(SECOND_STEP_PAGES) | set(TOKEN_PAGES)
    )


def _patient_of(record):
    return getattr(record, "audit_patient_id", None)


@pytest.mark.parametrize("name", RECORD_PAGES)
def test_a_record_page_writes_exactly_one_access_log_row(admin_client_a, name, request):
    spec = SPECS[name]
    url = build_url(name, spec, request)
    records = [request.getfixturevalue(fixture) for fixture in spec.objects.values()]
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = admin_client_a.get(url)
    assert response.status_code == 200
    rows = list(AccessLog.objects.exclude(pk__in=before))
    if name in NOT_PATIENT_RECORDS:
        assert rows == []
        return
    assert len(rows) == 1, [(r.action, r.object_type, r.detail) for r in rows]
    assert rows[0].action in ("view", "export")
    assert rows[0].patient_id == _patient_of(records[0])


@pytest.mark.parametrize("name", sorted(NO_RECORD_PAGES))
def test_a_page_without_a_record_writes_what_it_declares(admin_client_a, client, name, patient):
    before = AccessLog.objects.count()
    public = SPECS[name].public
    response = (client if public else admin_client_a).get(reverse(name))
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    assert AccessLog.objects.count() - before == NO_RECORD_PAGES[name]


@pytest.mark.parametrize("name", sorted(SECOND_STEP_PAGES))
def test_a_second_step_page_writes_what_it_declares(client, clinic_admin, clinic_a, name):
    from pht import twofactor
    from pht.audit import Actor
    from tests.factories import PASSWORD

    twofactor.start_authenticator_app(actor=Actor(clinic_admin, clinic_a))
    TOTPDevice.objects.update(confirmed=True)
    client.post(reverse("login"), {"username": "cara", "password": PASSWORD})
    before = AccessLog.objects.count()
    assert client.get(reverse(name)).status_code == 200
    assert AccessLog.objects.count() - before == SECOND_STEP_PAGES[name]


@pytest.mark.parametrize("name", TOKEN_PAGES)
def test_a_token_page_writes_no_row(client, db, name, request):
    url = build_url(name, SPECS[name], request)
    before = AccessLog.objects.count()
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert AccessLog.objects.count() == before


def test_a_form_posted_back_with_errors_logs_no_second_read(clinician_client, patient):
    url = reverse("assessments:patient_edit", kwargs={"patient_id": patient.pk})
    clinician_client.get(url)
    before = AccessLog.objects.count()
    response = clinician_client.post(url, {"given_name": ""})
    assert response.status_code == 200
    assert AccessLog.objects.count() == before


# --- Django's admin ------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    user = User.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", ["change", "history"])
def test_an_admin_patient_page_writes_one_row_under_the_patients_clinic(
    superuser_client, patient, page
):
    url = reverse(f"admin:assessments_patient_{page}", args=[patient.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    row = AccessLog.objects.get(patient_id=patient.pk)
    assert (row.action, row.username, row.clinic_id) == ("view", "root", patient.clinic_id)


def test_the_admin_cannot_change_or_delete_a_patient(superuser_client, patient):
    change = reverse("admin:assessments_patient_change", args=[patient.pk])
    superuser_client.post(change, {"given_name": "Changed", "clinic": patient.clinic_id})
    patient.refresh_from_db()
    assert patient.given_name != "Changed"
    delete = reverse("admin:assessments_patient_delete", args=[patient.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert reverse("admin:assessments_patient_changelist")
    assert superuser_client.get(reverse("admin:assessments_patient_add")).status_code == 403
