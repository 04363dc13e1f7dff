"""Signing, the lock, red-flag actions, amendments and re-evaluation, through the views."""

import uuid

from django.urls import reverse

from assessments.models import Assessment
from pht.models import AccessLog
from tests.factories import PHT_FINDINGS, make_assessment


def sign(client, assessment, **data):
    return client.post(
        reverse("assessments:assessment_sign", args=[assessment.pk]),
        {"lock_version": assessment.lock_version, **data},
    )


def snapshot(assessment):
    return list(Assessment.objects.filter(pk=assessment.pk).values())


def test_signing_locks_the_assessment(clinician_client, clinician, draft_assessment):
    response = sign(clinician_client, draft_assessment)
    assert response.status_code == 302
    draft_assessment.refresh_from_db()
    assert draft_assessment.is_signed and draft_assessment.signed_by == clinician


def test_a_post_to_a_signed_assessment_changes_nothing(clinician_client, signed_assessment):
    before = snapshot(signed_assessment)
    response = clinician_client.post(
        reverse("assessments:assessment_edit", args=[signed_assessment.pk]),
        {
            "assessed_on": "2026-11-20",
            "lock_version": signed_assessment.lock_version,
            "night_pain": "yes",
        },
    )
    assert response.status_code == 302
    assert snapshot(signed_assessment) == before


def test_the_edit_page_of_a_signed_assessment_redirects_with_a_message(
    clinician_client, signed_assessment
):
    response = clinician_client.get(
        reverse("assessments:assessment_edit", args=[signed_assessment.pk]), follow=True
    )
    assert "signed and locked" in response.content.decode()


def test_an_urgent_red_flag_cannot_be_signed_without_an_action(
    clinician_client, patient, clinician
):
    flagged = make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True}
    )
    response = sign(clinician_client, flagged)
    assert response.status_code == 200
    assert "record the action taken" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.status == "draft"


def test_the_action_is_shown_and_audited(clinician_client, patient, clinician):
    flagged = make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True}
    )
    sign(
        clinician_client,
        flagged,
        red_flag_action="referral_made",
        red_flag_action_note="GP same day",
    )
    page = clinician_client.get(reverse("assessments:assessment_detail", args=[flagged.pk]))
    assert "Red-flag action recorded:" in page.content.decode()
    assert "GP same day" in page.content.decode()
    assert AccessLog.objects.filter(detail="signed; red-flag action: Referral made").exists()


def test_amending_opens_a_new_version_and_both_are_visible(clinician_client, signed_assessment):
    response = clinician_client.post(
        reverse("assessments:assessment_amend", args=[signed_assessment.pk])
    )
    amendment = Assessment.objects.get(amends=signed_assessment)
    assert response["Location"] == reverse("assessments:assessment_edit", args=[amendment.pk])
    page = clinician_client.get(
        reverse("assessments:assessment_detail", args=[signed_assessment.pk])
    )
    assert "v1 (signed)" in page.content.decode()
    assert "v2 (draft" in page.content.decode()


def test_reevaluation_is_explicit_and_keeps_the_original(clinician_client, signed_assessment):
    Assessment.objects.filter(pk=signed_assessment.pk).update(rules_version="2000.1.1")
    before = snapshot(signed_assessment)
    clinician_client.post(reverse("assessments:assessment_reevaluate", args=[signed_assessment.pk]))
    assert snapshot(signed_assessment) == before
    assert signed_assessment.reevaluations.count() == 1
    assert AccessLog.objects.filter(detail__startswith="re-evaluated under rules").exists()


def test_the_assessment_page_shows_the_reasoning_and_signature(clinician_client, signed_assessment):
    content = clinician_client.get(
        reverse("assessments:assessment_detail", args=[signed_assessment.pk])
    ).content.decode()
    assert "Signed by" in content
    assert signed_assessment.rules_version in content
    assert "Proximal hamstring tendinopathy" in content
    assert "Not asked / not examined" in content


def test_the_version_links_do_not_load_each_versions_snapshot(clinician, signed_assessment):
    from assessments import selectors, services
    from pht.audit import Actor

    services.amend_assessment(
        actor=Actor(clinician, signed_assessment.clinic), assessment=signed_assessment
    )
    versions = selectors.assessment_versions(signed_assessment)
    assert [v.version for v in versions] == [1, 2]
    assert {"evaluation", "evaluated_findings"} <= versions[0].get_deferred_fields()


def test_a_second_click_on_sign_is_not_an_error_and_signs_once(
    clinician_client, clinician, patient
):
    draft = make_assessment(patient=patient, user=clinician)
    url = reverse("assessments:assessment_sign", args=[draft.pk])
    data = {"lock_version": draft.lock_version}
    first = clinician_client.post(url, data)
    second = clinician_client.post(url, data, follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "Already signed by" in second.content.decode()
    draft.refresh_from_db()
    assert draft.is_signed
    assert AccessLog.objects.filter(object_id=draft.pk, detail__startswith="signed").count() == 1


def test_an_amendment_draft_can_be_discarded_and_the_signed_version_stands(
    clinician_client, signed_assessment
):
    clinician_client.post(reverse("assessments:assessment_amend", args=[signed_assessment.pk]))
    amendment = signed_assessment.amendments.get()
    response = clinician_client.post(
        reverse("assessments:assessment_discard", args=[amendment.pk]), follow=True
    )
    assert "discarded" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.is_discarded
    assert AccessLog.objects.filter(object_id=amendment.pk, detail__contains="discarded").exists()
    clinician_client.post(reverse("assessments:assessment_amend", args=[signed_assessment.pk]))
    assert signed_assessment.amendments.filter(status="draft").count() == 1


def test_a_first_draft_cannot_be_discarded(clinician_client, draft_assessment):
    response = clinician_client.post(
        reverse("assessments:assessment_discard", args=[draft_assessment.pk]), follow=True
    )
    assert "Only an open amendment can be discarded" in response.content.decode()
    draft_assessment.refresh_from_db()
    assert draft_assessment.status == "draft"


def test_the_same_sign_form_sent_twice_signs_once(clinician_client, clinician, patient):
    draft = make_assessment(patient=patient, user=clinician)
    url = reverse("assessments:assessment_sign", args=[draft.pk])
    data = {"lock_version": draft.lock_version, "submission_key": str(uuid.uuid4())}
    clinician_client.post(url, data)
    second = clinician_client.post(url, data, follow=True)
    assert "Already signed: this is the signed assessment." in second.content.decode()
    assert AccessLog.objects.filter(object_id=draft.pk, detail__startswith="signed").count() == 1


# Who may sign a draft: its author or a clinic admin (docs/security.md).


def test_a_colleague_cannot_sign_someone_elses_draft(colleague_client, draft_assessment):
    before = snapshot(draft_assessment)
    response = sign(colleague_client, draft_assessment)
    assert response.status_code == 200
    author = draft_assessment.clinician
    assert f"Only {author}, who recorded this draft, or a clinic admin can sign it" in (
        response.content.decode()
    )
    assert snapshot(draft_assessment) == before


def test_a_colleague_sees_who_can_sign_instead_of_the_sign_form(colleague_client, draft_assessment):
    response = colleague_client.get(
        reverse("assessments:assessment_detail", args=[draft_assessment.pk])
    )
    body = response.content.decode()
    assert f"Only {draft_assessment.clinician} or a clinic admin can sign this draft." in body
    assert reverse("assessments:assessment_sign", args=[draft_assessment.pk]) not in body


def test_a_clinic_admin_can_sign_a_clinicians_draft_and_is_named_as_signer(
    admin_client_a, clinic_admin, draft_assessment
):
    page = admin_client_a.get(reverse("assessments:assessment_detail", args=[draft_assessment.pk]))
    assert "As a clinic admin you can sign it for them" in page.content.decode()
    response = sign(admin_client_a, draft_assessment)
    assert response.status_code == 302
    draft_assessment.refresh_from_db()
    assert draft_assessment.is_signed and draft_assessment.signed_by == clinic_admin
