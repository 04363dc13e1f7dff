"""VISA-H: one entry point on the patient's record, linked to the visit it belongs to."""

import datetime

import pytest
from django.urls import reverse

from assessments.models import VisaHResponse
from pht.models import AccessLog
from rehab.models import ProgressReview
from tests.factories import make_review

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
TODAY = datetime.date.today()


def url(patient):
    return reverse("assessments:visa_h_create", args=[patient.pk])


def post(client, patient, visit, **changes):
    return client.post(
        url(patient), {"completed_on": TODAY.isoformat(), "visit": visit, **ANSWERS, **changes}
    )


def test_a_questionnaire_is_scored_and_stored(clinician_client, patient):
    response = post(clinician_client, patient, "none")
    assert response.status_code == 302
    assert response["Location"] == reverse("assessments:patient_detail", args=[patient.pk])
    stored = VisaHResponse.objects.get()
    assert (stored.total, stored.assessment) == (47, None)


def test_the_visit_must_be_chosen(clinician_client, patient, draft_assessment):
    response = clinician_client.post(url(patient), {"completed_on": TODAY.isoformat(), **ANSWERS})
    assert response.status_code == 200
    assert response.context["form"].errors["visit"] == [
        "Choose the visit this questionnaire belongs to."
    ]
    assert "Choose the visit this questionnaire belongs to." in response.content.decode()
    assert not VisaHResponse.objects.exists()


@pytest.mark.parametrize(
    "visit", ["assessment:not-a-uuid", "plan:123", "elsewhere", "review:", "assessment:"]
)
def test_a_visit_not_offered_is_refused(clinician_client, patient, visit):
    response = post(clinician_client, patient, visit)
    assert response.context["form"].errors["visit"] == ["Choose one of the visits listed."]
    assert not VisaHResponse.objects.exists()


def test_another_patients_assessment_is_not_offered(
    clinician_client, patient, clinician, draft_assessment
):
    from tests.factories import PatientFactory, make_assessment

    other = PatientFactory(clinic=patient.clinic)
    theirs = make_assessment(patient=other, user=clinician)
    response = post(clinician_client, patient, f"assessment:{theirs.pk}")
    assert response.context["form"].errors["visit"] == ["Choose one of the visits listed."]
    assert not VisaHResponse.objects.exists()


def test_the_form_offers_drafts_signed_assessments_and_reviews(
    clinician_client, patient, draft_assessment, rehab_plan
):
    # rehab_plan comes from a signed assessment of the same patient.
    signed = rehab_plan.assessment
    content = clinician_client.get(url(patient)).content.decode()
    assert f'value="assessment:{draft_assessment.pk}"' in content
    assert f'value="assessment:{signed.pk}"' in content
    assert f'value="plan:{rehab_plan.pk}"' in content
    assert 'value="none"' in content
    assert "Added after signing" in content
    assert "The total goes into its findings" in content


def test_its_total_flows_into_a_linked_draft(clinician_client, patient, draft_assessment):
    response = post(clinician_client, patient, f"assessment:{draft_assessment.pk}")
    assert response["Location"] == reverse(
        "assessments:assessment_edit", args=[draft_assessment.pk]
    )
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings["visa_h"] == 47
    assert draft_assessment.evaluated_findings["visa_h"] == 47
    assert not VisaHResponse.objects.get().is_addendum


def test_the_draft_forms_link_preselects_the_draft(clinician_client, patient, draft_assessment):
    page = clinician_client.get(url(patient), {"assessment": str(draft_assessment.pk)})
    assert f'value="assessment:{draft_assessment.pk}" aria-describedby' in page.content.decode()
    assert page.context["form"]["visit"].value() == f"assessment:{draft_assessment.pk}"


def test_a_signed_assessment_gets_it_as_an_addendum(clinician_client, patient, signed_assessment):
    before = (
        dict(signed_assessment.findings),
        signed_assessment.evaluation,
        signed_assessment.lock_version,
    )
    response = post(clinician_client, patient, f"assessment:{signed_assessment.pk}")
    assert response["Location"] == reverse(
        "assessments:assessment_detail", args=[signed_assessment.pk]
    )
    stored = VisaHResponse.objects.get()
    assert stored.assessment == signed_assessment
    assert stored.is_addendum
    signed_assessment.refresh_from_db()
    assert "visa_h" not in signed_assessment.findings
    assert (
        signed_assessment.findings,
        signed_assessment.evaluation,
        signed_assessment.lock_version,
    ) == before
    log = AccessLog.objects.get(action="create", object_type="visa_h")
    assert log.detail == f"total 47; addendum to the signed assessment {signed_assessment.pk}"

    summary = clinician_client.get(
        reverse("exports:assessment_summary", args=[signed_assessment.pk])
    ).content.decode()
    assert (
        f"VISA-H 47/100</strong>, completed {TODAY.day} {TODAY:%b %Y} (addendum after signing)"
        in (summary)
    )
    assert "Not completed." not in summary
    page = clinician_client.get(
        reverse("assessments:visa_h_detail", args=[stored.pk])
    ).content.decode()
    assert "addendum after signing" in page


def test_a_questionnaire_for_a_new_review_is_handed_on_to_the_review_form(
    clinician_client, patient, rehab_plan
):
    response = post(clinician_client, patient, f"plan:{rehab_plan.pk}")
    stored = VisaHResponse.objects.get()
    assert stored.assessment is None
    review_url = reverse("rehab:review_new", args=[rehab_plan.pk])
    assert response["Location"] == f"{review_url}?visa_h={stored.pk}"
    form = clinician_client.get(response["Location"]).context["form"]
    assert form["visa_h"].value() == stored.pk
    saved = clinician_client.post(
        review_url,
        {
            "reviewed_on": TODAY.isoformat(),
            "marker_pain": "2",
            "response_24h": "same",
            "adherence": "full",
            "visa_h": str(stored.pk),
            "next_review_on": (TODAY + datetime.timedelta(days=14)).isoformat(),
        },
    )
    assert saved.status_code == 302
    review = ProgressReview.objects.get()
    assert (review.visa_h, review.visa_h_total) == (stored, 47)


def test_a_questionnaire_for_a_recorded_review_is_added_to_it(
    clinician_client, clinician, patient, rehab_plan
):
    review = make_review(plan=rehab_plan, user=clinician)
    assert f'value="review:{review.pk}"' in clinician_client.get(url(patient)).content.decode()
    response = post(clinician_client, patient, f"review:{review.pk}")
    stored = VisaHResponse.objects.get()
    detail_url = reverse("rehab:review_detail", args=[review.pk])
    assert response["Location"] == f"{detail_url}?visa_h={stored.pk}"
    page = clinician_client.get(response["Location"]).content.decode()
    assert f'value="{stored.pk}" id="link-visa-{stored.pk}" checked' in page
    linked = clinician_client.post(
        reverse("rehab:review_link_visa_h", args=[review.pk]), {"visa_h": str(stored.pk)}
    )
    assert linked["Location"] == detail_url
    review.refresh_from_db()
    assert (review.visa_h, review.visa_h_total) == (stored, 47)
    log = AccessLog.objects.get(action="change", object_type="rehab_review")
    assert log.detail == f"VISA-H questionnaire {stored.pk} linked (total 47)"
    # Used once: no longer offered, neither to this review nor to a new one.
    assert f'value="review:{review.pk}"' not in clinician_client.get(url(patient)).content.decode()
    form = clinician_client.get(reverse("rehab:review_new", args=[rehab_plan.pk])).context["form"]
    assert list(form.fields["visa_h"].queryset) == []


def test_answering_two_parts_of_question_8_is_refused(clinician_client, patient):
    response = post(clinician_client, patient, "none", q8a=3)
    assert "Only one part of question 8" in response.content.decode()
    assert not VisaHResponse.objects.exists()


def test_a_missing_item_is_refused(clinician_client, patient):
    data = {"completed_on": TODAY.isoformat(), "visit": "none", **ANSWERS}
    del data["q3"]
    response = clinician_client.post(url(patient), data)
    assert response.status_code == 200
    assert "q3" in response.context["form"].errors
    assert not VisaHResponse.objects.exists()


def test_the_response_page_shows_the_items(clinician_client, visa_h_response):
    content = clinician_client.get(
        reverse("assessments:visa_h_detail", args=[visa_h_response.pk])
    ).content.decode()
    assert f"VISA-H: {visa_h_response.total}/100" in content
