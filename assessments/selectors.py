"""Read-side queries for patient pages. Each returns a bounded, pre-joined queryset."""

from django.db.models import Q, QuerySet

from assessments.models import Patient
from pht.models import AccessLog


def search_patients(
    patients: QuerySet[Patient], query: str, *, archived: bool
) -> QuerySet[Patient]:
    """Case-insensitive search on names and identifier: every word must match one of them."""
    patients = patients.filter(archived_at__isnull=not archived)
    for term in query.split()[:6]:
        patients = patients.filter(
            Q(family_name__icontains=term)
            | Q(given_name__icontains=term)
            | Q(identifier__icontains=term)
        )
    return patients.order_by("family_name", "given_name", "id")


_UNTRACKED = {"id", "created_at", "updated_at"}


def audit_trail(patient: Patient, *, limit: int = 50) -> list[dict]:
    """The patient's changes (field history) and accesses, newest first, as plain rows."""
    # One query for the changes: fetch one extra (older) row and diff neighbours in memory
    # rather than asking simple-history for each row's previous record.
    changes = list(
        patient.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    accesses = AccessLog.objects.filter(patient_id=patient.pk).order_by("-at", "-id")[:limit]
    fields = [f for f in Patient._meta.concrete_fields if f.name not in _UNTRACKED]
    rows = []
    for record, older in zip(changes[:limit], [*changes[1:], None], strict=False):
        changed = []
        if older is not None:
            changed = [
                f.name for f in fields if getattr(record, f.attname) != getattr(older, f.attname)
            ]
        rows.append(
            {
                "at": record.history_date,
                "who": record.history_user.get_username() if record.history_user else "system",
                "what": {"+": "Record created", "~": "Record changed", "-": "Record deleted"}[
                    record.history_type
                ],
                "detail": ", ".join(changed),
                "ip": "",
            }
        )
    for entry in accesses:
        rows.append(
            {
                "at": entry.at,
                "who": entry.username,
                "what": f"{entry.get_action_display()} {entry.object_type}",
                "detail": entry.detail,
                "ip": entry.ip_address or "",
            }
        )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]
