import pytest
from django.core.exceptions import ValidationError

from assessments import services
from assessments.models import Assessment, Reevaluation
from pht import audit, rules
from pht.audit import Actor
from pht.models import AccessLog
from tests.factories import PHT_FINDINGS, make_assessment, make_entry


def test_a_draft_stores_the_evaluation_snapshot(draft_assessment):
    a = draft_assessment
    assert a.status == "draft"
    assert a.rules_version == rules.RULES_VERSION
    assert a.evaluation["rules_version"] == rules.RULES_VERSION
    assert a.evaluated_findings == a.evaluation["findings"]
    assert a.top_diagnosis == "proximal_hamstring_tendinopathy"


def test_the_record_supplies_age_sex_and_side(draft_assessment):
    findings = draft_assessment.evaluated_findings
    assert (findings["age"], findings["sex"], findings["side"]) == (41, "female", "left")
    assert "age" not in draft_assessment.findings


def test_absent_findings_stay_absent(draft_assessment):
    assert "night_pain" not in draft_assessment.evaluated_findings


def test_saving_a_draft_re_evaluates_it(draft_assessment, clinician, clinic_a):
    findings = {**PHT_FINDINGS, "saddle_anaesthesia": True}
    saved = services.save_draft(
        actor=Actor(clinician, clinic_a),
        assessment=draft_assessment,
        entry=make_entry(
            patient=draft_assessment.patient, findings=findings, **draft_assessment.entry_columns()
        ),
        lock_version=draft_assessment.lock_version,
    )
    assert saved.red_flag_urgency == "emergency"
    assert saved.lock_version == draft_assessment.lock_version + 1


def test_a_stale_draft_is_refused_and_nothing_changes(draft_assessment, colleague, clinic_a):
    with pytest.raises(services.StaleDraft):
        services.save_draft(
            actor=Actor(colleague, clinic_a),
            assessment=draft_assessment,
            entry=make_entry(
                patient=draft_assessment.patient, findings={}, **draft_assessment.entry_columns()
            ),
            lock_version=draft_assessment.lock_version - 1 if draft_assessment.lock_version else 99,
        )
    draft_assessment.refresh_from_db()
    assert draft_assessment.findings == PHT_FINDINGS


def test_a_signed_assessment_cannot_be_saved(signed_assessment, clinician, clinic_a):
    with pytest.raises(services.AssessmentLocked):
        services.save_draft(
            actor=Actor(clinician, clinic_a),
            assessment=signed_assessment,
            entry=make_entry(
                patient=signed_assessment.patient, findings={}, **signed_assessment.entry_columns()
            ),
            lock_version=signed_assessment.lock_version,
        )
    signed_assessment.refresh_from_db()
    assert signed_assessment.findings == PHT_FINDINGS


def test_signing_records_who_and_when(signed_assessment, clinician):
    assert signed_assessment.is_signed
    assert signed_assessment.signed_by == clinician
    assert signed_assessment.signed_at is not None
    assert AccessLog.objects.filter(detail="signed", object_id=signed_assessment.pk).exists()


def test_an_urgent_red_flag_requires_an_action(patient, clinician, clinic_a):
    a = make_assessment(patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True})
    assert a.needs_red_flag_action
    with pytest.raises(ValidationError) as error:
        services.sign_assessment(
            actor=Actor(clinician, clinic_a), assessment=a, lock_version=a.lock_version
        )
    assert services.ACTION_REQUIRED in str(error.value)
    a.refresh_from_db()
    assert a.status == "draft"


def test_an_override_needs_a_reason(patient, clinician, clinic_a):
    a = make_assessment(patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True})
    with pytest.raises(ValidationError):
        services.sign_assessment(
            actor=Actor(clinician, clinic_a),
            assessment=a,
            lock_version=a.lock_version,
            red_flag_action="override",
            red_flag_action_note="   ",
        )
    a.refresh_from_db()
    assert a.status == "draft"


def test_the_red_flag_action_is_kept_and_audited(patient, clinician, clinic_a):
    a = make_assessment(patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True})
    signed = services.sign_assessment(
        actor=Actor(clinician, clinic_a),
        assessment=a,
        lock_version=a.lock_version,
        red_flag_action="override",
        red_flag_action_note="Fever explained by a cold; GP already reviewing.",
    )
    assert signed.red_flag_action == "override"
    log = AccessLog.objects.get(object_id=a.pk, detail__startswith="signed")
    assert "Not referred" in log.detail


def test_an_amendment_is_a_new_version_and_keeps_the_original(
    signed_assessment, colleague, clinic_a
):
    original_snapshot = signed_assessment.evaluation
    amendment = services.amend_assessment(
        actor=Actor(colleague, clinic_a), assessment=signed_assessment
    )
    signed_assessment.refresh_from_db()
    assert amendment.pk != signed_assessment.pk
    assert (amendment.amends, amendment.version, amendment.status) == (
        signed_assessment,
        2,
        "draft",
    )
    assert signed_assessment.is_signed
    assert signed_assessment.evaluation == original_snapshot


def test_amending_twice_reuses_the_open_amendment(signed_assessment, clinician, clinic_a):
    actor = Actor(clinician, clinic_a)
    first = services.amend_assessment(actor=actor, assessment=signed_assessment)
    assert services.amend_assessment(actor=actor, assessment=signed_assessment) == first
    assert Assessment.objects.count() == 2


def test_reevaluation_keeps_the_signed_snapshot(signed_assessment, clinician, clinic_a):
    Assessment.objects.filter(pk=signed_assessment.pk).update(rules_version="2000.1.1")
    signed_assessment.refresh_from_db()
    snapshot = signed_assessment.evaluation
    re = services.reevaluate_assessment(
        actor=Actor(clinician, clinic_a), assessment=signed_assessment
    )
    signed_assessment.refresh_from_db()
    assert signed_assessment.evaluation == snapshot
    assert signed_assessment.rules_version == "2000.1.1"
    assert (re.rules_version, re.previous_rules_version) == (rules.RULES_VERSION, "2000.1.1")
    assert Reevaluation.objects.count() == 1


def test_a_service_refuses_another_clinics_patient_with_a_real_exception(
    other_clinician, clinic_b, patient
):
    with pytest.raises(audit.WrongClinic):
        services.archive_patient(actor=Actor(other_clinician, clinic_b), patient=patient)
    patient.refresh_from_db()
    assert not patient.is_archived
    assert not AccessLog.objects.filter(patient_id=patient.pk).exists()


def test_a_service_refuses_another_clinics_assessment(other_clinician, clinic_b, signed_assessment):
    with pytest.raises(audit.WrongClinic):
        services.amend_assessment(
            actor=Actor(other_clinician, clinic_b), assessment=signed_assessment
        )
    assert not signed_assessment.amendments.exists()


def test_signing_a_draft_of_older_rules_refreshes_it_and_logs_the_refresh(
    draft_assessment, clinician, clinic_a
):
    Assessment.objects.filter(pk=draft_assessment.pk).update(rules_version="2000.1.1")
    draft_assessment.refresh_from_db()
    refreshed = services.sign_assessment(
        actor=Actor(clinician, clinic_a),
        assessment=draft_assessment,
        lock_version=draft_assessment.lock_version,
    )
    assert not refreshed.is_signed and refreshed.rules_version == rules.RULES_VERSION
    row = AccessLog.objects.filter(object_id=draft_assessment.pk).latest("at")
    assert (row.action, row.detail) == (
        "change",
        f"not signed: refreshed from rules 2000.1.1 to {rules.RULES_VERSION}",
    )
