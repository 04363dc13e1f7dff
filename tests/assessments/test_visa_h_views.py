from django.urls import reverse

from assessments.models import VisaHResponse

# Hand-computed: q1-q6 = 5+6+4+6+7+5 = 33; q7 index 1 = 4 points; q8 part B bin 2 = 10 -> 47.
ANSWERS = {
    "q1": 5,
    "q2": 6,
    "q3": 4,
    "q4": 6,
    "q5": 7,
    "q6": 5,
    "q7": 1,
    "q8_branch": "b",
    "q8b": 2,
}


def url(patient):
    return reverse("assessments:visa_h_create", args=[patient.pk])


def test_a_questionnaire_is_scored_and_stored(clinician_client, patient):
    response = clinician_client.post(url(patient), {"completed_on": "2026-11-20", **ANSWERS})
    assert response.status_code == 302
    assert VisaHResponse.objects.get().total == 47


def test_its_total_flows_into_a_linked_draft(clinician_client, patient, draft_assessment):
    clinician_client.post(
        url(patient),
        {"completed_on": "2026-11-20", "assessment": str(draft_assessment.pk), **ANSWERS},
    )
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings["visa_h"] == 47
    assert draft_assessment.evaluated_findings["visa_h"] == 47


def test_answering_two_parts_of_question_8_is_refused(clinician_client, patient):
    response = clinician_client.post(
        url(patient), {"completed_on": "2026-11-20", **ANSWERS, "q8a": 3}
    )
    assert "Only one part of question 8" in response.content.decode()
    assert not VisaHResponse.objects.exists()


def test_a_missing_item_is_refused(clinician_client, patient):
    data = {"completed_on": "2026-11-20", **ANSWERS}
    del data["q3"]
    response = clinician_client.post(url(patient), data)
    assert response.status_code == 200
    assert "q3" in response.context["form"].errors
    assert not VisaHResponse.objects.exists()


def test_a_signed_assessment_cannot_be_linked(clinician_client, patient, signed_assessment):
    response = clinician_client.post(
        url(patient),
        {"completed_on": "2026-11-20", "assessment": str(signed_assessment.pk), **ANSWERS},
    )
    assert response.context["form"].errors["assessment"] == [
        "Choose one of this patient's draft assessments."
    ]
    assert not VisaHResponse.objects.exists()


def test_the_response_page_shows_the_items(clinician_client, visa_h_response):
    content = clinician_client.get(
        reverse("assessments:visa_h_detail", args=[visa_h_response.pk])
    ).content.decode()
    assert f"VISA-H: {visa_h_response.total}/100" in content
