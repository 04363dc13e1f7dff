"""The access log and the change history are append-only and hash-chained."""

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Patient
from pht import chain
from pht.models import AccessLog


@pytest.fixture
def history(clinician_client, patient, signed_assessment):
    """A realistic trail: creations, a view, a sign-off."""
    clinician_client.get(f"/patients/{patient.pk}/")
    return AccessLog.objects.order_by("pk")


def verify():
    call_command("verify_audit", stdout=__import__("io").StringIO())


def test_an_untouched_trail_verifies(history):
    verify()


def test_every_row_links_to_the_one_before(history):
    rows = list(history)
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash


def test_altering_an_access_log_row_is_detected(history):
    AccessLog.objects.filter(pk=history[1].pk).update(username="mallory")
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()


def test_deleting_an_access_log_row_is_detected(history):
    AccessLog.objects.filter(pk=history[1].pk)._raw_delete(AccessLog.objects.db)
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()


def test_altering_the_change_history_is_detected(signed_assessment):
    first = Assessment.history.order_by("history_id").first()
    Assessment.history.filter(history_id=first.history_id).update(clinical_notes="rewritten")
    count, problems, _ = chain.verify(Assessment.history.model)
    assert any("content altered" in p for p in problems)


def test_deleting_a_patient_history_row_is_detected(patient, clinician, clinic_a):
    from assessments import services
    from pht.audit import Actor

    services.update_patient(actor=Actor(clinician, clinic_a), patient=patient, data={"phone": "1"})
    services.update_patient(actor=Actor(clinician, clinic_a), patient=patient, data={"phone": "2"})
    middle = Patient.history.order_by("history_id")[1]
    Patient.history.filter(history_id=middle.history_id)._raw_delete(Patient.history.db)
    _, problems, _ = chain.verify(Patient.history.model)
    assert any("link broken" in p for p in problems)


def test_audit_rows_cannot_be_changed_through_the_orm(history):
    row = history.first()
    row.detail = "edited"
    with pytest.raises(chain.AppendOnlyError):
        row.save()
    with pytest.raises(chain.AppendOnlyError):
        row.delete()
