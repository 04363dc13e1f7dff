"""Signing needs the red-flag screen answered, or the reason it was not; nothing says "no red
flags" about questions that were never asked."""

from django.urls import reverse

from assessments.models import Assessment
from pht.models import AccessLog
from tests.factories import PHT_FINDINGS, SCREEN_NEGATIVE, make_assessment

UNSCREENED = {key: value for key, value in PHT_FINDINGS.items() if key not in SCREEN_NEGATIVE}


def sign(client, assessment, **data):
    return client.post(
        reverse("assessments:assessment_sign", args=[assessment.pk]),
        {"lock_version": assessment.lock_version, **data},
    )


def test_an_unscreened_assessment_cannot_be_signed_without_a_reason(
    clinician_client, patient, clinician
):
    draft = make_assessment(patient=patient, user=clinician, findings=UNSCREENED)
    response = sign(clinician_client, draft)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The red-flag screen is not complete" in page
    assert "saddle numbness" in page
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT


def test_a_partly_screened_assessment_names_only_the_unasked_questions(
    clinician_client, patient, clinician
):
    draft = make_assessment(
        patient=patient, user=clinician, findings={**UNSCREENED, "saddle_anaesthesia": False}
    )
    page = sign(clinician_client, draft).content.decode()
    assert "new bladder or bowel change" in page
    assert "not asked: saddle numbness" not in page


def test_the_reason_lets_it_be_signed_and_is_kept_and_audited(clinician_client, patient, clinician):
    draft = make_assessment(patient=patient, user=clinician, findings=UNSCREENED)
    response = sign(
        clinician_client, draft, red_flag_screen_reason="Telephone review; screen next visit."
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_signed
    assert draft.red_flag_screen_reason == "Telephone review; screen next visit."
    log = AccessLog.objects.get(object_id=draft.pk, detail__startswith="signed")
    assert "red-flag screen not completed" in log.detail


def test_a_blank_reason_is_no_reason(clinician_client, patient, clinician):
    draft = make_assessment(patient=patient, user=clinician, findings=UNSCREENED)
    sign(clinician_client, draft, red_flag_screen_reason="   ")
    draft.refresh_from_db()
    assert not draft.is_signed


def test_a_complete_screen_signs_without_a_reason(clinician_client, draft_assessment):
    assert sign(clinician_client, draft_assessment).status_code == 302
    draft_assessment.refresh_from_db()
    assert draft_assessment.is_signed
    assert draft_assessment.red_flag_screen_reason == ""


def test_the_summary_prints_the_reason_and_never_says_no_red_flags(
    clinician_client, patient, clinician
):
    draft = make_assessment(patient=patient, user=clinician, findings=UNSCREENED)
    sign(clinician_client, draft, red_flag_screen_reason="Telephone review.")
    page = clinician_client.get(
        reverse("exports:assessment_summary", args=[draft.pk])
    ).content.decode()
    assert "Screen not complete" in page
    assert "Telephone review." in page
    assert "None raised by the findings recorded" not in page
    assert "every screening question was answered" not in page


def test_a_complete_negative_screen_says_so(clinician_client, signed_assessment):
    page = clinician_client.get(
        reverse("exports:assessment_summary", args=[signed_assessment.pk])
    ).content.decode()
    assert "None raised; every screening question was answered" in page


def test_the_panel_lists_the_unasked_screen_questions(clinician_client, patient, clinician):
    draft = make_assessment(patient=patient, user=clinician, findings=UNSCREENED)
    page = clinician_client.get(
        reverse("assessments:assessment_detail", args=[draft.pk])
    ).content.decode()
    assert "Not yet asked:" in page
    assert "An unasked question is not a" in page
