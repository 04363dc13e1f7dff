"""The consultation form: saving drafts, bad input, the lock and the no-JavaScript path."""

import pytest
from django.urls import reverse

from assessments.models import Assessment

BASE = {"assessed_on": "2026-11-20", "side": "left", "action": "save"}


def new_url(patient):
    return reverse("assessments:assessment_create", args=[patient.pk])


def edit_url(assessment):
    return reverse("assessments:assessment_edit", args=[assessment.pk])


def test_the_form_groups_controls_with_fieldsets_and_labels(clinician_client, patient):
    content = clinician_client.get(new_url(patient)).content.decode()
    assert "<legend" in content and "Pain-provocation tests" in content
    assert 'for="id_modified_bent_knee_stretch_2"' in content
    assert "Not asked" in content and "Not tested" in content


def test_a_multiple_choice_finding_is_drawn_as_checkboxes(clinician_client, patient):
    # CheckboxSelectMultiple subclasses RadioSelect; drawn as radios, only one pain location
    # could be given.
    content = clinician_client.get(new_url(patient)).content.decode()
    assert '<input type="checkbox" class="btn-check" name="pain_location"' in content
    assert 'type="radio" class="btn-check" name="pain_location"' not in content


def test_saving_a_draft_stores_only_what_was_answered(clinician_client, patient):
    response = clinician_client.post(
        new_url(patient),
        {
            **BASE,
            "modified_bent_knee_stretch": "positive",
            "modified_bent_knee_stretch_pain": "6",
            "night_pain": "no",
            "fever": "",
        },
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(assessment)
    assert assessment.findings == {"modified_bent_knee_stretch": "positive", "night_pain": False}
    assert assessment.modified_bent_knee_stretch_pain == 6
    assert assessment.status == "draft"


def test_a_draft_can_be_resumed(clinician_client, draft_assessment):
    response = clinician_client.get(edit_url(draft_assessment))
    assert response.status_code == 200
    assert response.context["form"].initial["modified_bent_knee_stretch"] == "positive"
    assert response.context["form"].initial["pain_with_sitting"] == "yes"


def test_editing_saves_and_bumps_the_lock(clinician_client, draft_assessment):
    data = {**BASE, "lock_version": draft_assessment.lock_version, "puranen_orava": "negative"}
    clinician_client.post(edit_url(draft_assessment), data)
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings == {"puranen_orava": "negative"}
    assert draft_assessment.lock_version == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("pain_nprs_worst", "11", "less than or equal to 10"),
        ("duration_weeks", "-2", "greater than or equal to 0"),
        ("modified_bent_knee_stretch_pain", "11", "less than or equal to 10"),
        ("assessed_on", "2999-01-01", "cannot be in the future"),
        ("sij_provocation_positive_count", "6", "less than or equal to 5"),
        ("night_pain", "maybe", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    clinician_client, patient, field, value, message
):
    response = clinician_client.post(new_url(patient), {**BASE, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Assessment.objects.exists()


# Answers that contradict each other are kept in the draft (never lost), shown with their
# warning, left out of the findings the rules read, and must be resolved before signing.


def _saved_draft(client, patient, data) -> Assessment:
    response = client.post(new_url(patient), {**BASE, **data})
    assert response.status_code == 302
    return Assessment.objects.get()


def test_sitting_tolerance_without_painful_sitting_is_kept_aside_in_the_draft(
    clinician_client, patient
):
    draft = _saved_draft(
        clinician_client, patient, {"pain_with_sitting": "no", "sitting_tolerance_min": "20"}
    )
    assert draft.unresolved == {"sitting_tolerance_min": 20}
    assert "sitting_tolerance_min" not in draft.findings
    page = clinician_client.get(edit_url(draft)).content.decode()
    assert "Sitting tolerance is recorded only when sitting is painful" in page
    assert 'value="20"' in page


def test_provoked_pain_without_a_test_result_is_kept_aside(clinician_client, patient):
    draft = _saved_draft(clinician_client, patient, {"puranen_orava_pain": "4"})
    assert draft.unresolved == {"puranen_orava_pain": 4}
    assert draft.puranen_orava_pain is None
    assert "Record the test result first" in clinician_client.get(edit_url(draft)).content.decode()


def test_pain_now_above_worst_is_kept_and_the_panel_suggests_without_it(clinician_client, patient):
    draft = _saved_draft(clinician_client, patient, {"pain_nprs_now": "8", "pain_nprs_worst": "5"})
    assert draft.unresolved == {"pain_nprs_now": 8}
    assert draft.findings["pain_nprs_worst"] == 5 and "pain_nprs_now" not in draft.findings
    assert draft.evaluation["differentials"]  # suggestions from the consistent answers
    panel = clinician_client.post(
        reverse("assessments:assessment_panel", args=[patient.pk]),
        {**BASE, "pain_nprs_now": "8", "pain_nprs_worst": "5"},
    ).content.decode()
    assert "cannot be higher than the worst pain" in panel
    assert "Differential diagnosis" in panel


def test_a_draft_with_disagreeing_answers_cannot_be_signed(clinician_client, clinician, patient):
    draft = _saved_draft(clinician_client, patient, {"pain_nprs_now": "8", "pain_nprs_worst": "5"})
    response = clinician_client.post(
        reverse("assessments:assessment_sign", args=[draft.pk]),
        {"lock_version": draft.lock_version, "red_flag_screen_reason": "Not asked today"},
    )
    assert "Some answers in the draft disagree" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed


def test_invalid_edit_changes_nothing(clinician_client, draft_assessment):
    before = draft_assessment.findings
    clinician_client.post(
        edit_url(draft_assessment), {**BASE, "lock_version": 0, "pain_nprs_worst": "11"}
    )
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings == before
    assert draft_assessment.lock_version == 0


def test_update_suggestions_works_without_javascript_and_saves_nothing(clinician_client, patient):
    response = clinician_client.post(
        new_url(patient), {**BASE, "action": "evaluate", "modified_bent_knee_stretch": "positive"}
    )
    assert response.status_code == 200
    assert response.context["evaluation"]["pht_probability"]["tests_used"][0]["test"] == (
        "modified_bent_knee_stretch"
    )
    assert not Assessment.objects.exists()


def test_a_stale_form_is_refused_with_a_conflict_message(
    clinician_client, colleague_client, draft_assessment
):
    first = {**BASE, "lock_version": 0, "night_pain": "yes"}
    second = {**BASE, "lock_version": 0, "night_pain": "no"}
    assert clinician_client.post(edit_url(draft_assessment), first).status_code == 302
    response = colleague_client.post(edit_url(draft_assessment), second)
    assert response.status_code == 409
    assert "Someone else saved this draft" in response.content.decode()
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings["night_pain"] is True


def test_an_archived_patient_gets_no_new_assessment(clinician_client, patient):
    from django.utils import timezone

    patient.archived_at = timezone.now()
    patient.save()
    assert clinician_client.post(new_url(patient), BASE).status_code == 302
    assert not Assessment.objects.exists()


def test_grading_a_deficit_that_was_answered_no_is_kept_aside(clinician_client, patient):
    draft = _saved_draft(clinician_client, patient, {"neuro_deficit": "no", "foot_drop": "yes"})
    assert draft.unresolved == {"foot_drop": "yes"}
    assert draft.findings["neuro_deficit"] is False and "foot_drop" not in draft.findings
    assert "this grades a deficit" in clinician_client.get(edit_url(draft)).content.decode()


def test_the_new_findings_are_in_the_form_and_saved(clinician_client, patient):
    response = clinician_client.post(
        new_url(patient),
        {
            **BASE,
            "bilateral_leg_symptoms": "no",
            "groin_pain_on_loading": "yes",
            "temperature_c": "38.4",
            "neuro_deficit": "yes",
            "neuro_deficit_extent": "single_root",
            "motor_grade_weakest": "4",
            "imaging_stress_fracture_site": "sacrum",
            "imaging_apophyseal_displacement_mm": "12",
        },
    )
    assert response.status_code == 302
    findings = Assessment.objects.get().findings
    assert findings["temperature_c"] == 38.4
    assert findings["neuro_deficit_extent"] == "single_root"
    assert findings["motor_grade_weakest"] == 4
    assert findings["imaging"] == {
        "stress_fracture_site": "sacrum",
        "apophyseal_displacement_mm": 12,
    }


def test_a_new_assessment_goes_to_review_in_one_step(clinician_client, patient):
    response = clinician_client.post(new_url(patient), {**BASE, "action": "review"})
    draft = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:assessment_detail", args=[draft.pk])


def test_the_visa_h_total_comes_from_the_questionnaire_and_is_kept_on_saving(
    clinician_client, clinician, patient
):
    from tests.factories import PHT_FINDINGS, make_assessment

    draft = make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "visa_h": 55}
    )
    page = clinician_client.get(edit_url(draft)).content.decode()
    assert 'name="visa_h"' in page and "disabled" in page.split('name="visa_h"')[1][:80]
    response = clinician_client.post(
        edit_url(draft), {**BASE, "lock_version": draft.lock_version, "visa_h": "10"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.findings["visa_h"] == 55


def test_a_new_consultation_sent_twice_makes_one_draft(clinician_client, patient):
    data = {**BASE, "submission_key": "2f1c6f8e-3b1d-4c55-9d7e-0a4b6c1d2e3f"}
    clinician_client.post(new_url(patient), data)
    second = clinician_client.post(new_url(patient), data, follow=True)
    assert "Already saved: this is the draft you saved." in second.content.decode()
    assert Assessment.objects.filter(patient=patient).count() == 1
