"""Never lose a clinician's work: background saves, the version check, and signing out."""

from django.urls import reverse

from assessments.models import Assessment
from pht.models import AccessLog

BASE = {"assessed_on": "2026-11-20", "side": "left"}
BACKGROUND = {"HTTP_X_PHT_BACKGROUND": "autosave"}


def autosave_new(client, patient, headers=None, **data):
    url = reverse("assessments:assessment_autosave_new", args=[patient.pk])
    return client.post(url, {**BASE, **data}, **BACKGROUND, **(headers or {}))


def autosave(client, assessment, **data):
    url = reverse("assessments:assessment_autosave", args=[assessment.pk])
    return client.post(url, {**BASE, **data}, **BACKGROUND)


def test_the_first_background_save_creates_the_draft_and_says_where_it_lives(
    clinician_client, patient
):
    response = autosave_new(clinician_client, patient, night_pain="yes")
    assert response.status_code == 201
    answer = response.json()
    draft = Assessment.objects.get(patient=patient)
    assert answer["status"] == "saved" and answer["created"] is True
    assert answer["edit_url"] == reverse("assessments:assessment_edit", args=[draft.pk])
    assert answer["lock_version"] == draft.lock_version
    assert draft.findings["night_pain"] is True
    assert AccessLog.objects.filter(object_id=draft.pk, action="create").count() == 1


def test_a_background_save_goes_through_the_version_check(clinician_client, draft_assessment):
    first = autosave(
        clinician_client,
        draft_assessment,
        night_pain="no",
        lock_version=draft_assessment.lock_version,
    )
    assert first.status_code == 200
    stale = autosave(
        clinician_client,
        draft_assessment,
        night_pain="yes",
        lock_version=draft_assessment.lock_version,
    )
    assert stale.status_code == 409
    assert "Someone else saved this draft" in stale.json()["message"]
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings["night_pain"] is False


def test_disagreeing_answers_are_saved_in_the_background_too(clinician_client, draft_assessment):
    response = autosave(
        clinician_client,
        draft_assessment,
        pain_nprs_now="8",
        pain_nprs_worst="5",
        lock_version=draft_assessment.lock_version,
    )
    assert response.json()["disagreements"] == 1
    draft_assessment.refresh_from_db()
    assert draft_assessment.unresolved == {"pain_nprs_now": 8}


def test_bad_input_is_not_saved_and_says_why(clinician_client, draft_assessment):
    before = draft_assessment.findings
    response = autosave(clinician_client, draft_assessment, pain_nprs_worst="11", lock_version=0)
    assert response.status_code == 400
    assert any("Worst pain" in e for e in response.json()["errors"])
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings == before


def test_a_signed_assessment_is_not_saved_in_the_background(clinician_client, signed_assessment):
    response = autosave(
        clinician_client, signed_assessment, lock_version=signed_assessment.lock_version
    )
    assert response.status_code == 409
    assert "signed" in response.json()["message"]


def test_a_signed_out_background_request_answers_401_with_the_way_back(client, patient):
    page = "/patients/x/assessments/new/"
    response = autosave_new(client, patient, headers={"HTTP_X_PHT_PAGE": page})
    assert response.status_code == 401
    answer = response.json()
    assert answer["status"] == "signed_out"
    assert answer["login_url"] == "/accounts/login/?next=%2Fpatients%2Fx%2Fassessments%2Fnew%2F"
    assert not Assessment.objects.exists()


def test_a_signed_out_live_panel_answers_401_not_the_login_page(client, patient):
    url = reverse("assessments:assessment_panel", args=[patient.pk])
    response = client.post(url, BASE, HTTP_HX_REQUEST="true")
    assert response.status_code == 401
    assert "<form" not in response.content.decode()


def test_another_clinic_cannot_save_into_a_draft(other_client, draft_assessment):
    response = autosave(other_client, draft_assessment, night_pain="no", lock_version=0)
    assert response.status_code == 404


def test_the_way_back_never_leads_off_the_site(client, patient):
    response = autosave_new(client, patient, headers={"HTTP_X_PHT_PAGE": "https://evil.example/"})
    assert response.json()["login_url"] == "/accounts/login/?next=%2F"
