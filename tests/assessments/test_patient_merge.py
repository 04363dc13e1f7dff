"""Merging two records of one person (services.merge_patients, /patients/<id>/merge/).

Everything recorded on the merged record moves to the kept one unchanged (signed assessments
byte for byte); the merged record is archived, pointing to the kept one; the access log is
never rewritten, and ``verify_audit`` still passes.
"""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from assessments import selectors, services
from assessments.models import Assessment, Patient, VisaHResponse
from pht.audit import Actor
from pht.models import AccessLog, Submission
from rehab.models import ProgressReview, RehabPlan
from tests.conftest import VISA_H_ANSWERS
from tests.factories import PatientFactory, make_assessment, make_plan, make_review
from tests.security.test_url_matrix import fingerprint

BORN = datetime.date(1985, 6, 15)  # the cast's patient


@pytest.fixture
def twin(clinic_a):
    """Hannah Clarke registered a second time, with a typo, her contact details and a note."""
    return PatientFactory(
        clinic=clinic_a,
        identifier="NS-0042",
        given_name="Hanna",
        family_name="Clarke",
        date_of_birth=BORN,
        email="hannah@example.org",
        phone="07700 900123",
        notes="Prefers morning appointments.",
    )


@pytest.fixture
def actor(clinic_admin, clinic_a):
    return Actor(clinic_admin, clinic_a)


@pytest.fixture
def full_record(twin, clinician):
    """On the twin: a draft, a signed assessment with a signed amendment, VISA-H answers
    linked to the draft and on their own, a rehab plan with a review."""
    actor = Actor(clinician, twin.clinic)
    draft = make_assessment(patient=twin, user=clinician, assessed_on=datetime.date(2026, 11, 9))
    signed = make_assessment(patient=twin, user=clinician, sign=True)
    amendment = services.amend_assessment(actor=actor, assessment=signed)
    amendment = services.sign_assessment(
        actor=actor, assessment=amendment, lock_version=amendment.lock_version
    )
    for assessment in (draft, None):
        services.record_visa_h(
            actor=actor,
            patient=twin,
            answers=VISA_H_ANSWERS,
            completed_on=datetime.date(2026, 11, 2),
            assessment=assessment,
        )
    plan = make_plan(
        assessment=signed, user=clinician, started_on=datetime.date.today() - datetime.timedelta(7)
    )
    make_review(plan=plan, user=clinician)
    return {"draft": draft, "signed": signed, "amendment": amendment, "plan": plan}


def merge(actor, kept, merged):
    return services.merge_patients(actor=actor, kept=kept, merged=merged)


def references(patient) -> dict[str, int]:
    """How many rows of each model refer to ``patient``, over every foreign key to Patient."""
    counts = {}
    for relation in Patient._meta.related_objects:
        model, name = relation.related_model, relation.field.name
        counts[model._meta.label] = model._base_manager.filter(**{name: patient}).count()
    return counts


# --- what moves ----------------------------------------------------------------------------


def test_every_record_of_the_merged_patient_moves_to_the_kept_one(
    actor, patient, twin, full_record, clinician
):
    make_assessment(patient=patient, user=clinician, sign=True)
    totals = {
        model: model.objects.count()
        for model in (Assessment, VisaHResponse, RehabPlan, ProgressReview)
    }
    before_kept, before_twin = references(patient), references(twin)

    merge(actor, patient, twin)

    assert set(references(twin).values()) == {0}
    expected = {label: before_kept[label] + before_twin[label] for label in before_kept}
    expected["assessments.Patient"] = 1  # the twin itself, merged into the patient
    assert references(patient) == expected
    assert references(patient)["assessments.Assessment"] == 4
    assert references(patient)["assessments.VisaHResponse"] == 2
    assert references(patient)["rehab.RehabPlan"] == 1
    assert ProgressReview.objects.get().plan.patient == patient
    assert {
        model: model.objects.count()
        for model in (Assessment, VisaHResponse, RehabPlan, ProgressReview)
    } == totals


def test_signed_assessments_stay_byte_identical_but_for_the_patient(
    actor, patient, twin, full_record
):
    ids = [full_record["signed"].pk, full_record["amendment"].pk, full_record["draft"].pk]
    before = {row["id"]: row for row in Assessment.objects.filter(pk__in=ids).values()}

    merge(actor, patient, twin)

    after = {row["id"]: row for row in Assessment.objects.filter(pk__in=ids).values()}
    for pk, row in before.items():
        assert after[pk].pop("patient_id") == patient.pk
        assert row.pop("patient_id") == twin.pk
        assert after[pk] == row  # findings, snapshot, rules version, signature, updated_at


def _summary_body(client, assessment, *names) -> str:
    """The signed summary page without what names the patient, and without the per-request
    CSP nonce and CSRF token."""
    url = reverse("exports:assessment_summary", args=[assessment.pk])
    page = client.get(url).content.decode()
    page = re.sub(r'nonce="[^"]*"', "", page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    for name in sorted(names, key=len, reverse=True):
        page = page.replace(name, "PATIENT")
    return page


def test_a_signed_summary_reads_the_same_after_the_merge_but_for_the_patient(
    actor, admin_client_a, patient, twin, full_record
):
    signed = full_record["signed"]
    names = [
        x
        for p in (patient, twin)
        for x in (p.identifier, p.full_name, p.given_name, p.family_name, p.family_name.upper())
    ]
    before = _summary_body(admin_client_a, signed, *names)
    merge(actor, patient, twin)
    assert _summary_body(admin_client_a, signed, *names) == before


def test_the_audit_chains_still_verify_after_a_merge(actor, patient, twin, full_record):
    merge(actor, patient, twin)
    call_command("verify_audit", stdout=io.StringIO())  # raises CommandError when broken


def test_records_merged_before_into_the_merged_one_now_point_to_the_kept_one(
    actor, patient, twin, clinic_a
):
    third = PatientFactory(clinic=clinic_a, given_name="Hanah", family_name="Clarke")
    merge(actor, twin, third)
    merge(actor, patient, Patient.objects.get(pk=twin.pk))
    third.refresh_from_db()
    assert third.merged_into_id == patient.pk


# --- the merged record ---------------------------------------------------------------------


def test_the_merged_record_is_archived_and_points_to_the_kept_one(
    actor, patient, twin, clinic_admin
):
    merge(actor, patient, twin)
    twin.refresh_from_db()
    assert twin.merged_into_id == patient.pk
    assert twin.merged_by == clinic_admin
    assert twin.merged_at is not None
    assert twin.is_archived and twin.archived_by == clinic_admin


def test_the_merged_record_is_read_only(actor, patient, twin, clinician):
    merge(actor, patient, twin)
    twin.refresh_from_db()
    with pytest.raises(services.PatientArchived):
        make_assessment(patient=twin, user=clinician)
    with pytest.raises(services.PatientArchived):
        services.update_patient(actor=actor, patient=twin, data={"given_name": "Changed"})


def test_a_merged_record_cannot_be_restored(actor, patient, twin):
    merge(actor, patient, twin)
    twin.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be restored"):
        services.restore_patient(actor=actor, patient=twin)
    twin.refresh_from_db()
    assert twin.is_archived


def test_the_kept_record_takes_the_empty_contact_fields_and_the_notes(actor, patient, twin):
    patient.notes = "Left-handed."
    patient.save()
    merge(actor, patient, twin)
    patient.refresh_from_db()
    assert patient.email == "hannah@example.org"
    assert patient.phone == "07700 900123"
    assert patient.phone_digits == "7700900123"  # the search columns follow
    assert patient.notes.startswith("Left-handed.\n\n[From NS-0042, merged into this record on ")
    assert patient.notes.endswith("]\nPrefers morning appointments.")


def test_the_kept_records_own_contact_details_stay(actor, patient, twin):
    patient.email, patient.phone = "clarke@example.org", "01632 960001"
    patient.save()
    merge(actor, patient, twin)
    patient.refresh_from_db()
    assert (patient.email, patient.phone) == ("clarke@example.org", "01632 960001")


def test_the_merge_is_in_both_records_history(actor, patient, twin, clinic_admin):
    merge(actor, patient, twin)
    kept_row = patient.history.latest()
    twin_row = twin.history.latest()
    assert (kept_row.history_user, kept_row.history_change_reason) == (
        clinic_admin,
        "merged NS-0042 into this record",
    )
    assert (twin_row.history_user, twin_row.history_change_reason) == (
        clinic_admin,
        "merged into NS-0001",
    )
    assert twin_row.merged_into_id == patient.pk


def test_the_merge_is_in_the_access_log_of_both_patients(actor, patient, twin, full_record):
    merge(actor, patient, twin)
    kept = AccessLog.objects.get(patient_id=patient.pk, action="change")
    merged = AccessLog.objects.get(patient_id=twin.pk, action="archive")
    assert kept.detail.startswith(f"merged NS-0042 ({twin.pk}) into this record: moved 3 ")
    assert "email, phone, notes" in kept.detail
    assert merged.detail == f"merged into NS-0001 ({patient.pk})"


def test_the_access_log_is_not_rewritten_and_the_kept_trail_reads_both(
    actor, admin_client_a, patient, twin
):
    admin_client_a.get(reverse("assessments:patient_detail", args=[twin.pk]))
    twin_rows = list(AccessLog.objects.filter(patient_id=twin.pk).values_list("pk", "row_hash"))
    merge(actor, patient, twin)
    assert set(twin_rows) <= set(
        AccessLog.objects.filter(patient_id=twin.pk).values_list("pk", "row_hash")
    )
    trail = selectors.audit_trail(patient)
    whats = [row["what"] for row in trail]
    assert "Viewed patient (as NS-0042)" in whats
    assert "Archived patient (as NS-0042)" in whats
    assert any(r["detail"].startswith("merged NS-0042") for r in trail)


# --- refusals ------------------------------------------------------------------------------


def _refused(actor, kept, merged, message):
    before = fingerprint()
    with pytest.raises(ValidationError, match=message):
        merge(actor, kept, merged)
    assert fingerprint() == before


def test_a_record_is_not_merged_with_itself(actor, patient):
    _refused(actor, patient, patient, "cannot be merged with itself")


def test_an_archived_record_is_not_merged(actor, patient, twin):
    services.archive_patient(actor=actor, patient=twin)
    _refused(actor, patient, twin, "is archived. Restore it first")
    _refused(actor, twin, patient, "is archived. Restore it first")


def test_a_merged_record_is_not_merged_again(actor, patient, twin, clinic_a):
    merge(actor, patient, twin)
    third = PatientFactory(clinic=clinic_a)
    _refused(actor, third, Patient.objects.get(pk=twin.pk), "was already merged")


def test_records_of_two_clinics_are_not_merged(actor, patient, other_patient):
    _refused(actor, patient, other_patient, "different clinics")


def test_another_clinics_records_are_refused(clinic_b, clinic_admin, patient, twin):
    from pht.audit import WrongClinic

    with pytest.raises(WrongClinic):
        merge(Actor(clinic_admin, clinic_b), patient, twin)
    twin.refresh_from_db()
    assert not twin.is_merged


# --- the page ------------------------------------------------------------------------------


def merge_url(patient, **query):
    url = reverse("assessments:patient_merge", args=[patient.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_preview_shows_both_records_and_what_will_happen(
    admin_client_a, patient, twin, full_record
):
    response = admin_client_a.get(merge_url(patient, **{"with": twin.pk}))
    page = response.content.decode()
    assert response.status_code == 200
    # The record with more assessments is proposed as the one kept: the twin here.
    assert (response.context["kept"], response.context["merged"]) == (twin, patient)
    assert re.search(r'<tr class="table-warning">\s*<th scope="row">Given name\(s\)', page)
    assert "Hanna" in page and "Hannah" in page
    assert "3 assessments, 2 VISA-H questionnaires" not in page  # the kept one's stay
    assert "0 assessments, 0 VISA-H questionnaires, 0 rehab plans" in page
    assert response.context["counts"]["kept"] == {
        "assessments": 3,
        "signed": 2,
        "visa_h": 2,
        "plans": 1,
        "reviews": 1,
    }
    assert "Keep NS-0001 instead" in page
    assert "Merge NS-0001 into NS-0042" in page


def test_the_admin_chooses_the_record_kept(admin_client_a, patient, twin, full_record):
    response = admin_client_a.get(merge_url(patient, **{"with": twin.pk, "keep": patient.pk}))
    page = response.content.decode()
    assert (response.context["kept"], response.context["merged"]) == (patient, twin)
    assert "3 assessments, 2 VISA-H questionnaires, 1 rehab plan and 1 progress review" in page
    assert "NS-0001 has no email: it takes NS-0042’s." in page
    assert "[From NS-0042, merged into this record on " in page


def test_the_preview_changes_nothing_and_logs_both_records(admin_client_a, patient, twin):
    before = fingerprint()
    admin_client_a.get(merge_url(patient, **{"with": twin.pk}))
    assert fingerprint() == before
    rows = AccessLog.objects.filter(action="view")
    assert sorted(r.patient_id for r in rows) == sorted([patient.pk, twin.pk])


def test_posting_the_preview_merges_and_shows_the_kept_record(
    admin_client_a, patient, twin, full_record
):
    data = {"with": twin.pk, "keep": patient.pk}
    response = admin_client_a.post(merge_url(patient), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "assessments:patient_detail", args=[patient.pk]
    )
    page = response.content.decode()
    assert "Merged: NS-0042 is now part of this record" in page
    assert "Also recorded as" in page and "NS-0042" in page
    assert len(response.context["assessments"]) == 3


def test_a_double_click_merges_once(admin_client_a, patient, twin):
    page = admin_client_a.get(merge_url(patient, **{"with": twin.pk, "keep": patient.pk}))
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page.content.decode())[1]
    data = {"with": twin.pk, "keep": patient.pk, "submission_key": key}
    first = admin_client_a.post(merge_url(patient), data)
    second = admin_client_a.post(merge_url(patient), data, follow=True)
    assert second.redirect_chain[0] == (first["Location"], 302)
    assert "Already done — the records were merged." in second.content.decode()
    assert AccessLog.objects.filter(action="archive", patient_id=twin.pk).count() == 1
    assert Submission.objects.count() == 1


def test_the_merged_records_page_points_to_the_kept_one(
    actor, admin_client_a, patient, twin, clinic_admin
):
    merge(actor, patient, twin)
    page = admin_client_a.get(reverse("assessments:patient_detail", args=[twin.pk]))
    text = page.content.decode()
    assert "Merged into" in text
    assert reverse("assessments:patient_detail", args=[patient.pk]) in text
    assert f"by {clinic_admin}" in text
    assert "Restore patient" not in text
    assert "New assessment" not in text


def test_merged_records_leave_the_patient_list_and_show_as_merged_among_archived(
    actor, admin_client_a, patient, twin
):
    merge(actor, patient, twin)
    url = reverse("assessments:patient_list")
    assert "NS-0042" not in admin_client_a.get(url).content.decode()
    archived = admin_client_a.get(url + "?status=archived").content.decode()
    assert "NS-0042" in archived and ">Merged</span>" in archived


def test_a_merged_record_cannot_be_edited_from_its_page(actor, admin_client_a, patient, twin):
    merge(actor, patient, twin)
    url = reverse("assessments:patient_edit", args=[twin.pk])
    response = admin_client_a.post(url, {"given_name": "Changed"})
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.given_name == "Hanna"


def test_the_page_offers_likely_duplicates_and_a_search(admin_client_a, patient, twin):
    page = admin_client_a.get(merge_url(patient)).content.decode()
    assert f"?with={twin.pk}" in page
    found = admin_client_a.get(merge_url(patient, q="NS-0042")).content.decode()
    assert found.count(f"?with={twin.pk}") == 2


@pytest.mark.parametrize("other", ["itself", "unknown", "other_clinic", "bogus"])
def test_a_wrong_other_record_is_refused_with_a_message(
    admin_client_a, patient, other_patient, other
):
    ids = {
        "itself": patient.pk,
        "unknown": "0b6f4a8e-1d1c-4d5e-9a59-4c8f3f0f0f0f",
        "other_clinic": other_patient.pk,
        "bogus": "not-a-uuid",
    }
    before = fingerprint()
    response = admin_client_a.post(merge_url(patient), {"with": ids[other], "keep": patient.pk})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert fingerprint() == before


def test_a_clinician_cannot_open_or_post_the_merge(clinician_client, patient, twin):
    assert clinician_client.get(merge_url(patient, **{"with": twin.pk})).status_code == 403
    response = clinician_client.post(merge_url(patient), {"with": twin.pk, "keep": patient.pk})
    assert response.status_code == 403
    twin.refresh_from_db()
    assert not twin.is_merged


def test_both_patients_are_locked_in_id_order_whichever_is_kept(actor, patient, twin):
    """Two merges of one pair, either way round, lock the rows in one order: no deadlock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def lock_order(kept, merged):
        with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError):
            # Refused after locking (the patient is archived below), so both calls lock.
            merge(actor, kept, merged)
        selects = [
            q["sql"] for q in ctx.captured_queries if 'FROM "assessments_patient"' in q["sql"]
        ]
        # SQLite writes a UUID as 32 hex digits, PostgreSQL with hyphens.
        return [
            pk.hex
            for sql in selects
            for pk in (patient.pk, twin.pk)
            if pk.hex in sql or str(pk) in sql
        ]

    services.archive_patient(actor=actor, patient=max(patient, twin, key=lambda p: str(p.pk)))
    first, second = sorted([patient, twin], key=lambda p: str(p.pk))
    assert (
        lock_order(patient, twin)[:2]
        == lock_order(twin, patient)[:2]
        == [
            first.pk.hex,
            second.pk.hex,
        ]
    )


def test_a_merged_record_is_no_longer_offered_as_a_likely_duplicate(actor, patient, twin):
    merge(actor, patient, twin)
    found = selectors.likely_duplicates(
        patient.clinic_id, given_name="Hannah", family_name="Clarke", date_of_birth=BORN
    )
    assert found == [patient]
