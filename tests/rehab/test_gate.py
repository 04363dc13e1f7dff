"""Rehab is not proposed while an urgent or emergency red flag is open on the signed
assessment, or when the working diagnosis is not a tendinopathy, unless the clinician records
an override with a reason (audited, shown on the plan and the handout's clinician copy)."""

from django.urls import reverse

from pht.models import AccessLog
from rehab.models import RehabPlan
from tests.factories import PHT_FINDINGS, make_assessment, make_plan

CAUDA_EQUINA = {**PHT_FINDINGS, "saddle_anaesthesia": True, "bilateral_leg_symptoms": True}
REASON = "MRI normal, spinal team reviewed and discharged; symptoms are tendinopathy."


def new_url(assessment):
    return reverse("rehab:plan_new", args=[assessment.pk])


def flagged(patient, clinician, findings=CAUDA_EQUINA, **data):
    return make_assessment(patient=patient, user=clinician, findings=findings, sign=True, **data)


def test_a_cauda_equina_case_shows_why_rehab_is_not_proposed(clinician_client, patient, clinician):
    assessment = flagged(patient, clinician)
    assert assessment.red_flag_action == "referral_made"
    response = clinician_client.get(new_url(assessment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rehab is not proposed for this assessment" in page
    assert "Possible cauda equina syndrome" in page
    assert "Referral made" in page
    assert "proposal" not in response.context


def test_saving_a_plan_without_an_override_is_refused(clinician_client, patient, clinician):
    assessment = flagged(patient, clinician)
    response = clinician_client.post(new_url(assessment), {"review_date": "2026-12-20"})
    assert response.status_code == 200
    assert "Rehab is not proposed" in response.content.decode()
    assert not RehabPlan.objects.exists()


def test_an_override_needs_a_reason(clinician_client, patient, clinician):
    assessment = flagged(patient, clinician)
    response = clinician_client.post(
        new_url(assessment), {"action": "override", "override_reason": " "}
    )
    assert response.status_code == 400
    assert "Give the clinical reason" in response.content.decode()


def test_with_a_reason_the_proposal_is_shown_with_the_override(
    clinician_client, patient, clinician
):
    assessment = flagged(patient, clinician)
    response = clinician_client.post(
        new_url(assessment), {"action": "override", "override_reason": REASON}
    )
    assert response.status_code == 302
    page = clinician_client.get(new_url(assessment))
    assert page.status_code == 200
    assert "proposal" in page.context
    assert "Planned against the rules' advice" in page.content.decode()
    assert REASON in page.content.decode()


def test_the_service_refuses_a_plan_without_the_reason(patient, clinician):
    import pytest
    from django.core.exceptions import ValidationError

    assessment = flagged(patient, clinician)
    with pytest.raises(ValidationError, match="record the clinical reason"):
        make_plan(assessment=assessment, user=clinician)
    assert not RehabPlan.objects.exists()


def test_the_saved_plan_keeps_the_override_and_the_audit_says_so(patient, clinician):
    assessment = flagged(patient, clinician)
    plan = make_plan(assessment=assessment, user=clinician, override_reason=REASON)
    assert plan.gate_override_reason == REASON
    assert any("cauda equina" in reason.lower() for reason in plan.gate_reasons)
    log = AccessLog.objects.get(object_type="rehab_plan", object_id=plan.pk, action="create")
    assert "override reason recorded" in log.detail


def test_no_override_is_stored_where_the_rules_allow_rehab(signed_assessment, clinician):
    plan = make_plan(assessment=signed_assessment, user=clinician, override_reason="not needed")
    assert plan.gate_override_reason == "" and plan.gate_reasons == []


def test_the_plan_page_and_the_clinician_copy_show_the_override(
    clinician_client, patient, clinician
):
    assessment = flagged(patient, clinician)
    plan = make_plan(assessment=assessment, user=clinician, override_reason=REASON)
    detail = clinician_client.get(reverse("rehab:plan_detail", args=[plan.pk])).content.decode()
    assert REASON in detail
    clinician_copy = clinician_client.get(
        reverse("rehab:handout", args=[plan.pk]) + "?copy=clinician"
    ).content.decode()
    assert "Clinician copy" in clinician_copy and REASON in clinician_copy
    patient_copy = clinician_client.get(reverse("rehab:handout", args=[plan.pk])).content.decode()
    assert REASON not in patient_copy and "Clinician copy" not in patient_copy


def test_a_working_diagnosis_that_is_not_a_tendinopathy_blocks_rehab(
    clinician_client, patient, clinician
):
    assessment = make_assessment(
        patient=patient,
        user=clinician,
        sign=True,
        working_diagnosis="lumbar_radiculopathy",
    )
    page = clinician_client.get(new_url(assessment)).content.decode()
    assert "Rehab is not proposed" in page
    assert "Lumbar radiculopathy" in page


def test_a_tendinopathy_without_flags_goes_straight_to_the_proposal(
    clinician_client, signed_assessment
):
    response = clinician_client.get(new_url(signed_assessment))
    assert response.status_code == 200
    assert "proposal" in response.context


def test_the_assessment_page_offers_plan_rehab_once_signed(clinician_client, patient, clinician):
    assessment = flagged(patient, clinician)
    page = clinician_client.get(
        reverse("assessments:assessment_detail", args=[assessment.pk])
    ).content.decode()
    assert new_url(assessment) in page
