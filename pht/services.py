"""Changes to the project's own records: a clinic's settings. Audited like every change."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pht import audit
from pht.audit import Actor
from pht.models import Clinic

CLINIC_SETTINGS = (
    "name",
    "phone",
    "address",
    "email",
    "identifier_prefix",
    "next_identifier_number",
    "require_two_factor",
)

DUPLICATE_NAME = "Another clinic already uses this name."


@transaction.atomic
def update_clinic_settings(*, actor: Actor, clinic: Clinic, data: dict) -> list[str]:
    """Save a clinic admin's changes to their clinic; returns the names of the fields that
    changed. The change history keeps the values (django-simple-history); the access log
    names the fields."""
    if clinic.pk != actor.clinic.pk:
        raise audit.WrongClinic("This clinic is not the one you are working in.")
    unknown = set(data) - set(CLINIC_SETTINGS)
    if unknown:
        raise ValueError(f"Not a clinic setting: {', '.join(sorted(unknown))}")
    # Compare with the stored row, locked: a bound ModelForm has already copied its input
    # onto the caller's instance, and a registration may have moved the next number on.
    stored = Clinic.objects.select_for_update().get(pk=clinic.pk)
    changed = [name for name, value in data.items() if getattr(stored, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(stored, name, data[name])
    audit.attribute(stored, actor)
    try:
        with transaction.atomic():
            stored.save(update_fields=changed)
    except IntegrityError:
        # Another clinic took the name between the form's check and this save.
        raise ValidationError({"name": DUPLICATE_NAME}) from None
    audit.log(
        actor,
        "change",
        object_type="clinic",
        object_id=clinic.pk,
        detail="fields: " + ", ".join(sorted(changed)),
    )
    return changed
