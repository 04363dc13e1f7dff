"""The only code that writes clinical data. Each function is one transaction and audits itself."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Patient
from pht import audit
from pht.audit import Actor

DUPLICATE_IDENTIFIER = "Another patient in this clinic already has this identifier."


def _save_patient(patient: Patient) -> None:
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        # Two people registering the same identifier at once: the constraint wins.
        raise ValidationError({"identifier": DUPLICATE_IDENTIFIER}) from None


@transaction.atomic
def create_patient(*, actor: Actor, data: dict) -> Patient:
    patient = Patient(clinic=actor.clinic, **data)
    patient._history_user = actor.user
    _save_patient(patient)
    audit.log(actor, "create", object_type="patient", object_id=patient.pk, patient_id=patient.pk)
    return patient


@transaction.atomic
def update_patient(*, actor: Actor, patient: Patient, data: dict) -> list[str]:
    """Apply changed fields; returns the names of the fields that changed (never values)."""
    assert patient.clinic_id == actor.clinic.pk, "patient belongs to another clinic"
    # Compare with the stored row (locked), not the caller's instance: a bound ModelForm has
    # already copied its input onto that instance.
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = [name for name, value in data.items() if getattr(stored, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(patient, name, data[name])
    patient._history_user = actor.user
    _save_patient(patient)
    audit.log(
        actor,
        "change",
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail="fields: " + ", ".join(sorted(changed)),
    )
    return changed


@transaction.atomic
def archive_patient(*, actor: Actor, patient: Patient) -> bool:
    """Hide a patient from the default list. Nothing is deleted. False if already archived."""
    assert patient.clinic_id == actor.clinic.pk, "patient belongs to another clinic"
    if patient.is_archived:
        return False
    patient.archived_at = timezone.now()
    patient.archived_by = actor.user
    patient._history_user = actor.user
    patient.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit.log(actor, "archive", object_type="patient", object_id=patient.pk, patient_id=patient.pk)
    return True


@transaction.atomic
def restore_patient(*, actor: Actor, patient: Patient) -> bool:
    """Bring an archived patient back to the default list. False if not archived."""
    assert patient.clinic_id == actor.clinic.pk, "patient belongs to another clinic"
    if not patient.is_archived:
        return False
    patient.archived_at = None
    patient.archived_by = None
    patient._history_user = actor.user
    patient.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit.log(actor, "restore", object_type="patient", object_id=patient.pk, patient_id=patient.pk)
    return True
