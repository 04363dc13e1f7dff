"""The only code that writes clinical data. Each function is one transaction and audits itself."""

import collections
import copy
import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments import duplicates, names, patient_import, reasoning, selectors
from assessments.models import (
    Assessment,
    NotDuplicate,
    Patient,
    PatientImport,
    PatientImportRow,
    Reevaluation,
    VisaHResponse,
)
from pht import access, audit, chain, rules
from pht.audit import Actor
from pht.models import AccessLog, Clinic
from pht.rules import visa_h

DUPLICATE_IDENTIFIER = "Another patient in this clinic already has this identifier."
PATIENT_ARCHIVED = (
    "This patient is archived, so the record is read-only and nothing was saved. A clinic "
    "admin can restore the record."
)
# Attempts at a numbered identifier when another registration takes each one first.
NUMBERING_ATTEMPTS = 3


class _TakenIdentifier(Exception):
    pass


def _save_patient(patient: Patient) -> None:
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        # Two people registering the same identifier at once: the constraint wins.
        raise _TakenIdentifier from None


def _tidy(data: dict) -> dict:
    """Names as the record stores them (assessments/names.py); the rest as given. A name with
    invisible or direction-changing characters, or mixing alphabets, is refused (the forms
    say so first; this keeps every other writer, such as the CSV import, to the same rule)."""
    data = dict(data)
    problems = {}
    for name, family in (("given_name", False), ("family_name", True)):
        if name in data:
            problem = duplicates.name_problem(data[name])
            if problem:
                problems[name] = problem
            data[name] = names.tidy_name(data[name], family=family)
    if problems:
        raise ValidationError(problems)
    return data


def _take_identifier_number(clinic: Clinic) -> str:
    """The clinic's next free numbered identifier (``NS-0043``), taken for this transaction.

    The first statement writes the clinic's row: PostgreSQL locks that row and SQLite takes
    its write lock, so a second registration waits here until this one commits and then
    reads the number after it. Numbers already used (typed by hand) are skipped.
    """
    Clinic.objects.filter(pk=clinic.pk).update(next_identifier_number=F("next_identifier_number"))
    current = Clinic.objects.only("id", "identifier_prefix", "next_identifier_number").get(
        pk=clinic.pk
    )
    identifier, number = selectors.free_identifier(current)
    Clinic.objects.filter(pk=clinic.pk).update(next_identifier_number=number + 1)
    return identifier


@transaction.atomic
def create_patient(*, actor: Actor, data: dict, number_identifier: bool = False) -> Patient:
    """Register a patient. With ``number_identifier`` the identifier in ``data`` is ignored
    and the clinic's next free number is given instead (the form proposed it unedited)."""
    patient = Patient(clinic=actor.clinic, **_tidy(data))
    audit.attribute(patient, actor)
    for _attempt in range(NUMBERING_ATTEMPTS if number_identifier else 1):
        if number_identifier:
            patient.identifier = _take_identifier_number(actor.clinic)
        patient.refresh_search_columns()
        try:
            _save_patient(patient)
        except _TakenIdentifier:
            continue
        break
    else:
        raise ValidationError({"identifier": DUPLICATE_IDENTIFIER})
    audit.changed(actor, "create", patient)
    return patient


@transaction.atomic
def update_patient(*, actor: Actor, patient: Patient, data: dict) -> list[str]:
    """Apply changed fields; returns the names of the fields that changed (never values)."""
    audit.require_same_clinic(actor, patient, "patient")
    data = _tidy(data)
    # Compare with the stored row (locked), not the caller's instance: a bound ModelForm has
    # already copied its input onto that instance (untidied), so every field is set below.
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    if stored.is_archived:
        raise PatientArchived()
    changed = [name for name, value in data.items() if getattr(stored, name) != value]
    if not changed:
        return []
    for name, value in data.items():
        setattr(patient, name, value)
    patient.refresh_search_columns()
    audit.attribute(patient, actor)
    try:
        _save_patient(patient)
    except _TakenIdentifier:
        raise ValidationError({"identifier": DUPLICATE_IDENTIFIER}) from None
    audit.changed(
        actor,
        "change",
        patient,
        detail="fields: " + ", ".join(sorted(changed)),
    )
    return changed


@transaction.atomic
def archive_patient(*, actor: Actor, patient: Patient) -> bool:
    """Hide a patient from the default list. Nothing is deleted. False if already archived."""
    audit.require_same_clinic(actor, patient, "patient")
    # Locked and read afresh: two archives at once must write one archive entry.
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    if stored.is_archived:
        return False
    stored.archived_at = timezone.now()
    stored.archived_by = actor.user
    audit.attribute(stored, actor)
    stored.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit.changed(actor, "archive", stored)
    patient.archived_at, patient.archived_by = stored.archived_at, stored.archived_by
    return True


@transaction.atomic
def restore_patient(*, actor: Actor, patient: Patient) -> bool:
    """Bring an archived patient back to the default list. False if not archived."""
    audit.require_same_clinic(actor, patient, "patient")
    stored = Patient.objects.select_for_update().get(pk=patient.pk)
    if not stored.is_archived:
        return False
    if stored.is_merged:
        raise ValidationError(MERGED_NOT_RESTORED)
    stored.archived_at = None
    stored.archived_by = None
    audit.attribute(stored, actor)
    stored.save(update_fields=["archived_at", "archived_by", "updated_at"])
    audit.changed(actor, "restore", stored)
    patient.archived_at, patient.archived_by = None, None
    return True


# --- Two records of one person: merging, or deciding they are two people -------------------

MERGED_NOT_RESTORED = (
    "This record was merged into another: its history is on that record now, so it cannot be "
    "restored."
)
MERGE_ITSELF = "A record cannot be merged with itself: choose the other record."
MERGE_OTHER_CLINIC = "These records belong to different clinics and cannot be merged."
MERGE_MERGED = "{record} was already merged into another record. Nothing was merged."
MERGE_ARCHIVED = (
    "{record} is archived. Restore it first (a clinic admin can), then merge. Nothing was merged."
)
NOT_DUPLICATE_ITSELF = "A record is always the same person as itself."


def record_name(patient: Patient) -> str:
    return f"{patient.full_name} ({patient.identifier})"


@dataclass(frozen=True)
class MergeResult:
    """What a merge did: the record kept, the one merged into it, and the rows moved by
    kind (``{"assessments": 3, "rehab plans": 1}``, kinds with none left out)."""

    kept: Patient
    merged: Patient
    moved: dict[str, int]


def _lock_for_merge(ids: list) -> dict:
    """Both patients' rows, locked in a fixed order (by id), so that two merges of the same
    records, started at once either way round, wait for each other instead of deadlocking.
    Refuses an archived or already merged record."""
    locked = {}
    for pk in sorted(ids, key=str):
        stored = Patient.objects.select_for_update().get(pk=pk)
        if stored.is_merged:
            raise ValidationError(MERGE_MERGED.format(record=record_name(stored)))
        if stored.is_archived:
            raise ValidationError(MERGE_ARCHIVED.format(record=record_name(stored)))
        locked[stored.pk] = stored
    return locked


def _move_references(kept: Patient, merged: Patient) -> dict[str, int]:
    """Point every row that refers to ``merged`` at ``kept``: every foreign key to Patient in
    any app (assessments, VISA-H, rehab plans, records merged into ``merged`` before), found
    through the model's relations so that this app names no other app's models.

    ``QuerySet.update`` writes the one column and nothing else: no ``save()``, no change of
    ``updated_at``, no history row, so a signed assessment stays exactly as it was signed.
    Hidden relations (``related_name="+"``: the change-history tables, the "not the same
    person" decisions) are left as they are: the history is append-only.
    """
    moved = {}
    for relation in Patient._meta.related_objects:
        if relation.many_to_many:  # pragma: no cover (Patient has none)
            raise ValidationError("A many-to-many relation to patients cannot be merged.")
        model, name = relation.related_model, relation.field.name
        count = model._base_manager.filter(**{name: merged}).update(**{name: kept})
        if count:
            moved[str(model._meta.verbose_name_plural)] = count
    return moved


def merge_notes(kept: Patient, merged: Patient, day) -> str:
    """The kept record's notes after a merge: its own, then the merged record's, under a line
    saying where they came from."""
    if not merged.notes.strip():
        return kept.notes
    origin = f"[From {merged.identifier}, merged into this record on {day:%d %b %Y}]"
    return "\n\n".join(part for part in (kept.notes.rstrip(), origin + "\n" + merged.notes) if part)


CONTACT_FIELDS = ("email", "phone")


def _merged_details(kept: Patient, merged: Patient, now) -> list[str]:
    """Fill the kept record's empty contact fields from the merged one and append its notes;
    returns the names of the fields that changed."""
    changed = []
    for name in CONTACT_FIELDS:
        if not getattr(kept, name) and getattr(merged, name):
            setattr(kept, name, getattr(merged, name))
            changed.append(name)
    notes = merge_notes(kept, merged, timezone.localtime(now).date())
    if notes != kept.notes:
        kept.notes = notes
        changed.append("notes")
    return changed


def moved_summary(moved: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in moved.items()) or "no records"


def _change_reason(record: Patient, reason: str) -> None:
    """The reason django-simple-history stores on the record's next history row (its
    documented ``_change_reason`` hook), shown in the audit trail."""
    setattr(record, "_change_reason", reason)  # noqa: B010 (simple-history's own name)


@transaction.atomic
def merge_patients(*, actor: Actor, kept: Patient, merged: Patient) -> MergeResult:
    """Merge two records of one person: everything recorded on ``merged`` moves to ``kept``.

    Both patients are locked (in id order) and must be active records of the actor's clinic.
    Every reference moves to ``kept`` unchanged (``_move_references``); ``kept`` takes
    ``merged``'s email and phone where its own are empty and its notes, under a line saying
    where they came from; ``merged`` is archived, pointing to ``kept`` (who merged, when).
    Both records' change history and the access log say so. The access log itself is never
    rewritten: its rows keep the patient they were written for, and ``kept``'s audit trail
    reads those of the records merged into it (selectors.audit_trail).
    """
    if kept.pk == merged.pk:
        raise ValidationError(MERGE_ITSELF)
    if kept.clinic_id != merged.clinic_id:
        raise ValidationError(MERGE_OTHER_CLINIC)
    audit.require_same_clinic(actor, kept, "patient")
    audit.require_same_clinic(actor, merged, "patient")
    locked = _lock_for_merge([kept.pk, merged.pk])
    kept, merged = locked[kept.pk], locked[merged.pk]
    moved = _move_references(kept, merged)
    now = timezone.now()
    changed = _merged_details(kept, merged, now)
    kept.refresh_search_columns()
    _change_reason(kept, f"merged {merged.identifier} into this record")
    audit.attribute(kept, actor)
    kept.save()
    merged.archived_at = merged.merged_at = now
    merged.archived_by = merged.merged_by = actor.user
    merged.merged_into = kept
    _change_reason(merged, f"merged into {kept.identifier}")
    audit.attribute(merged, actor)
    merged.save(
        update_fields=[
            "archived_at",
            "archived_by",
            "merged_into",
            "merged_at",
            "merged_by",
            "updated_at",
        ]
    )
    detail = (
        f"merged {merged.identifier} ({merged.pk}) into this record: moved {moved_summary(moved)}"
    )
    if changed:
        detail += "; filled from it: " + ", ".join(changed)
    audit.changed(actor, "change", kept, detail=detail)
    audit.changed(actor, "archive", merged, detail=f"merged into {kept.identifier} ({kept.pk})")
    return MergeResult(kept=kept, merged=merged, moved=moved)


def _ordered_pair(a: Patient, b: Patient) -> tuple[Patient, Patient]:
    return (a, b) if str(a.pk) < str(b.pk) else (b, a)


@transaction.atomic
def mark_not_duplicate(*, actor: Actor, patient: Patient, other: Patient) -> bool:
    """Record that two records are two people: the pair leaves the possible-duplicates list.
    False if it was already recorded."""
    if patient.pk == other.pk:
        raise ValidationError(NOT_DUPLICATE_ITSELF)
    audit.require_same_clinic(actor, patient, "patient")
    audit.require_same_clinic(actor, other, "patient")
    first, second = _ordered_pair(patient, other)
    # Locked, so two admins marking the pair at once write one decision.
    Patient.objects.select_for_update().filter(pk=first.pk).get()
    if NotDuplicate.objects.filter(first=first, second=second).exists():
        return False
    decision = NotDuplicate(clinic=actor.clinic, first=first, second=second, decided_by=actor.user)
    audit.attribute(decision, actor)
    decision.save()
    for one, two in ((first, second), (second, first)):
        audit.changed(actor, "change", one, detail=f"not the same person as {two.identifier}")
    return True


@transaction.atomic
def undo_not_duplicate(*, actor: Actor, patient: Patient, other: Patient) -> bool:
    """Withdraw a "not the same person" decision: the pair may be listed again. False if
    there was none. The decision's history keeps who made and who withdrew it."""
    audit.require_same_clinic(actor, patient, "patient")
    audit.require_same_clinic(actor, other, "patient")
    first, second = _ordered_pair(patient, other)
    Patient.objects.select_for_update().filter(pk=first.pk).get()
    decision = NotDuplicate.objects.filter(first=first, second=second).first()
    if decision is None:
        return False
    audit.attribute(decision, actor)
    decision.delete()
    for one, two in ((first, second), (second, first)):
        audit.changed(
            actor, "change", one, detail=f"may be the same person as {two.identifier} (undone)"
        )
    return True


# --- Assessments -----------------------------------------------------------------------

SIGNED_LOCKED = "This assessment is signed and locked. To correct it, create an amendment."
DISCARDED = "This amendment was discarded. The signed version stands; amend it again to correct it."
STALE_DRAFT = (
    "Someone else saved this draft after you opened it, so your changes were not saved. "
    "Reload the draft to see their version, then make your changes again."
)
RULES_CHANGED = (
    "The reasoning rules were updated since this draft was last evaluated. The suggestions "
    "have been refreshed: review them before signing."
)
ACTION_REQUIRED = (
    "An emergency or urgent red flag is present: record the action taken (referral made, "
    "or the clinical reason for not referring) before signing."
)
OVERRIDE_REASON_REQUIRED = "Give the clinical reason for not referring."
UNRESOLVED = (
    "Some answers in the draft disagree with others (they are highlighted in the draft and left "
    "out of the suggestions). Resolve them in the draft, then sign."
)
SCREEN_REQUIRED = (
    "The red-flag screen is not complete ({unasked}). Answer these questions in the draft, or "
    "give the reason they were not asked: the summary will print it."
)


class AssessmentLocked(Exception):
    """A write to a signed assessment was attempted; nothing changed."""


class StaleDraft(Exception):
    """The draft changed since the form was opened (optimistic locking); nothing changed."""


class PatientArchived(AssessmentLocked, ValidationError):
    """A change to an archived patient's record was attempted; nothing changed.

    The record is read-only until a clinic admin restores it. A ValidationError (a form error
    or a message wherever a service's refusal is shown) and an AssessmentLocked (wherever a
    locked record is), so every view that calls a service already shows it.
    """

    def __init__(self, message: str = PATIENT_ARCHIVED):
        super().__init__({NON_FIELD_ERRORS: [message]})

    def __str__(self) -> str:
        return " ".join(self.messages)


def lock_active_patient(patient_id) -> None:
    """Refuse to change an archived patient's record (PatientArchived).

    Locks the patient's row until the transaction ends, so an archive cannot slip in between
    this check and the change. Services take it first, before any other row lock, so locks
    are always taken in one order (patient, assessment, plan, review) and never deadlock.
    """
    archived_at = (
        Patient.objects.select_for_update().values_list("archived_at", flat=True).get(pk=patient_id)
    )
    if archived_at is not None:
        raise PatientArchived()


def _store(assessment: Assessment, entry: reasoning.AssessmentInput) -> None:
    """Put a prepared input on the assessment: findings, columns and the snapshot it carries."""
    assessment.findings = dict(entry.recorded)
    for name, value in entry.columns().items():
        setattr(assessment, name, value)
    _store_snapshot(assessment, dict(entry.evaluation))


def _store_snapshot(assessment: Assessment, evaluation: dict) -> None:
    assessment.evaluated_findings = evaluation["findings"]
    assessment.evaluation = evaluation
    assessment.rules_version = evaluation["rules_version"]
    assessment.evaluated_at = timezone.now()
    for name, value in reasoning.summary_columns(evaluation).items():
        setattr(assessment, name, value)


def _reevaluate(assessment: Assessment) -> None:
    """Evaluate the stored findings again: the rules changed, a VISA-H total was added, or an
    amendment starts from a signed version."""
    findings = reasoning.build_findings(
        patient=assessment.patient,
        assessed_on=assessment.assessed_on,
        side=assessment.side,
        recorded=assessment.findings,
    )
    evaluation = reasoning.evaluate(findings, pre_test_probability=assessment.pre_test_probability)
    _store_snapshot(assessment, evaluation)


@transaction.atomic
def create_assessment(
    *, actor: Actor, patient: Patient, entry: reasoning.AssessmentInput
) -> Assessment:
    """Start a draft assessment for a patient of the actor's clinic from a prepared input."""
    audit.require_same_clinic(actor, patient, "patient")
    lock_active_patient(patient.pk)
    assessment = Assessment(patient=patient, clinic=actor.clinic, clinician=actor.user)
    _store(assessment, entry)
    audit.attribute(assessment, actor)
    assessment.save()
    audit.changed(actor, "create", assessment)
    return assessment


@transaction.atomic
def save_draft(
    *, actor: Actor, assessment: Assessment, entry: reasoning.AssessmentInput, lock_version: int
) -> Assessment:
    """Save a prepared input onto a draft, with the snapshot it was evaluated with.

    Refuses a signed assessment (AssessmentLocked) and a stale form (StaleDraft): in both
    cases nothing is written.
    """
    lock_active_patient(assessment.patient_id)
    stored = Assessment.objects.select_for_update().select_related("patient").get(pk=assessment.pk)
    audit.require_same_clinic(actor, stored, "assessment")
    if stored.is_signed:
        raise AssessmentLocked(SIGNED_LOCKED)
    if stored.is_discarded:
        raise AssessmentLocked(DISCARDED)
    if stored.lock_version != lock_version:
        raise StaleDraft(STALE_DRAFT)
    _store(stored, entry)
    stored.lock_version += 1
    audit.attribute(stored, actor)
    stored.save()
    audit.changed(actor, "change", stored)
    return stored


def _refresh_instead_of_signing(actor: Actor, stored: Assessment) -> Assessment:
    """A draft evaluated under older rules: evaluate it again, save, and do not sign."""
    previous = stored.rules_version
    _reevaluate(stored)
    stored.lock_version += 1
    audit.attribute(stored, actor)
    stored.save()
    audit.changed(
        actor,
        "change",
        stored,
        detail=f"not signed: refreshed from rules {previous} to {stored.rules_version}",
    )
    return stored


def _signing_errors(
    stored: Assessment, unasked: list[str], action: str, note: str, screen_reason: str
) -> dict[str, str]:
    """What stops a draft from being signed, by field (empty when it can be signed)."""
    errors = {}
    if stored.unresolved:
        errors["unresolved"] = UNRESOLVED
    if unasked and not screen_reason:
        labels = "; ".join(rules.findings.label(key).lower() for key in unasked)
        errors["red_flag_screen_reason"] = SCREEN_REQUIRED.format(unasked="not asked: " + labels)
    if stored.needs_red_flag_action:
        if action not in Assessment.RedFlagAction.values:
            errors["red_flag_action"] = ACTION_REQUIRED
        elif action == Assessment.RedFlagAction.OVERRIDE and not note:
            errors["red_flag_action_note"] = OVERRIDE_REASON_REQUIRED
    return errors


NOT_YOURS_TO_SIGN = (
    "Only {author}, who recorded this draft, or a clinic admin can sign it. Ask {author} to "
    "sign it, or a clinic admin if {author} is not available."
)


def may_sign(user, assessment: Assessment) -> bool:
    """Who may sign a draft: the clinician who recorded it, or a clinic admin of its clinic
    (for a colleague who has left or is away). Signing makes the signer responsible for the
    record, so a colleague cannot sign someone else's draft (docs/security.md)."""
    return assessment.clinician_id == user.pk or access.is_clinic_admin(user, assessment.clinic_id)


@transaction.atomic
def sign_assessment(
    *,
    actor: Actor,
    assessment: Assessment,
    lock_version: int,
    red_flag_action: str = "",
    red_flag_action_note: str = "",
    red_flag_screen_reason: str = "",
) -> Assessment:
    """Sign and lock a draft.

    With an emergency or urgent red flag, the action taken is required (a referral, or an
    override with its reason). The red-flag screen must be answered, or the reason it was not
    must be given (an unasked question is never read as "no"). A draft evaluated under older
    rules is refreshed and not signed, so the clinician signs exactly what they last saw.
    """
    lock_active_patient(assessment.patient_id)
    stored = Assessment.objects.select_for_update().select_related("patient").get(pk=assessment.pk)
    audit.require_same_clinic(actor, stored, "assessment")
    if stored.is_signed:
        raise AssessmentLocked("This assessment is already signed.")
    if stored.is_discarded:
        raise AssessmentLocked(DISCARDED)
    if not may_sign(actor.user, stored):
        raise ValidationError({NON_FIELD_ERRORS: NOT_YOURS_TO_SIGN.format(author=stored.clinician)})
    if stored.lock_version != lock_version:
        raise StaleDraft(STALE_DRAFT)
    if stored.rules_version != rules.RULES_VERSION:
        return _refresh_instead_of_signing(actor, stored)
    red_flag_action_note = red_flag_action_note.strip()
    red_flag_screen_reason = red_flag_screen_reason.strip()
    unasked = stored.screen_unasked
    errors = _signing_errors(
        stored, unasked, red_flag_action, red_flag_action_note, red_flag_screen_reason
    )
    if errors:
        raise ValidationError(errors)
    if stored.needs_red_flag_action:
        stored.red_flag_action = red_flag_action
        stored.red_flag_action_note = red_flag_action_note
    if unasked:
        stored.red_flag_screen_reason = red_flag_screen_reason
    stored.status = Assessment.Status.SIGNED
    stored.signed_at = timezone.now()
    stored.signed_by = actor.user
    stored.lock_version += 1
    audit.attribute(stored, actor)
    stored.save()
    detail = "signed"
    if stored.red_flag_action:
        detail += f"; red-flag action: {stored.get_red_flag_action_display()}"
    if unasked:
        detail += "; red-flag screen not completed (reason recorded)"
    audit.changed(actor, "change", stored, detail=detail)
    return stored


@transaction.atomic
def amend_assessment(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Open a correction of a signed assessment: a new draft version linked to it.

    The original stays signed and unchanged. If an open (draft) amendment already exists,
    it is returned instead of a second one.
    """
    lock_active_patient(assessment.patient_id)
    stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
    audit.require_same_clinic(actor, stored, "assessment")
    if not stored.is_signed:
        raise ValidationError("Only a signed assessment can be amended; edit the draft instead.")
    existing = stored.amendments.filter(status=Assessment.Status.DRAFT).first()
    if existing is not None:
        return existing
    amendment = Assessment(
        patient=stored.patient,
        clinic=stored.clinic,
        clinician=actor.user,
        findings=copy.deepcopy(stored.findings),
        amends=stored,
        original=stored.original or stored,
        version=stored.version + 1,
        **stored.entry_columns(),
    )
    _reevaluate(amendment)
    audit.attribute(amendment, actor)
    amendment.save()
    audit.changed(
        actor, "create", amendment, detail=f"amendment v{amendment.version} of {stored.pk}"
    )
    return amendment


@transaction.atomic
def discard_amendment(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Give up an open amendment draft. Nothing is deleted: the draft is kept as discarded (in
    its history and the access log) and the signed version it amended stands. Discarding twice
    changes nothing."""
    stored = Assessment.objects.select_for_update().get(pk=assessment.pk)
    audit.require_same_clinic(actor, stored, "assessment")
    if stored.is_discarded:
        return stored
    if stored.is_signed or stored.amends_id is None:
        raise ValidationError(
            "Only an open amendment can be discarded; a first assessment's draft stays on the "
            "record."
        )
    stored.status = Assessment.Status.DISCARDED
    stored.lock_version += 1
    audit.attribute(stored, actor)
    stored.save(update_fields=["status", "lock_version", "updated_at"])
    audit.changed(actor, "change", stored, detail=f"amendment v{stored.version} discarded")
    return stored


@transaction.atomic
def reevaluate_assessment(*, actor: Actor, assessment: Assessment) -> Reevaluation:
    """Evaluate a signed assessment's stored findings under the current rules.

    The signed snapshot is kept as it was; the new result is stored beside it and audited.
    The findings of a signed assessment never change, so a second request under the same
    rules returns the re-evaluation already stored.
    """
    audit.require_same_clinic(actor, assessment, "assessment")
    lock_active_patient(assessment.patient_id)
    stored_already = assessment.reevaluations.filter(rules_version=rules.RULES_VERSION).first()
    if stored_already is not None:
        return stored_already
    if not assessment.is_signed:
        raise ValidationError("A draft is re-evaluated every time it is saved.")
    evaluation = reasoning.evaluate(
        assessment.evaluated_findings, pre_test_probability=assessment.pre_test_probability
    )
    reevaluation = Reevaluation.objects.create(
        assessment=assessment,
        evaluation=evaluation,
        rules_version=evaluation["rules_version"],
        previous_rules_version=assessment.rules_version,
        requested_by=actor.user,
    )
    audit.changed(
        actor,
        "change",
        assessment,
        detail=f"re-evaluated under rules {reevaluation.rules_version} "
        f"(signed under {assessment.rules_version})",
    )
    return reevaluation


# --- VISA-H --------------------------------------------------------------------------------


@transaction.atomic
def record_visa_h(
    *,
    actor: Actor,
    patient: Patient,
    answers: dict,
    completed_on,
    assessment: Assessment | None = None,
) -> VisaHResponse:
    """Score and store a VISA-H questionnaire, linked to the assessment it belongs to.

    A draft takes the total into its findings (and is evaluated again). A signed assessment
    keeps its findings as signed: the questionnaire is linked to it as an addendum, shown with
    the assessment and on its summary. Raises ``visa_h.VisaHError`` listing every problem in
    the answers; nothing is written then.
    """
    audit.require_same_clinic(actor, patient, "patient")
    lock_active_patient(patient.pk)
    score = visa_h.score_visa_h(answers)
    if assessment is not None:
        if assessment.patient_id != patient.pk:
            raise ValidationError("That assessment belongs to another patient.")
        # Locked, so that signing and linking never interleave: the draft is either
        # still a draft when its findings change, or signed and left as it is.
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    response = VisaHResponse(
        patient=patient,
        clinic=actor.clinic,
        assessment=assessment,
        completed_on=completed_on,
        answers=dict(answers),
        total=score.total,
        q8_branch=score.q8_branch,
        recorded_by=actor.user,
    )
    audit.attribute(response, actor)
    response.save()
    detail = f"total {score.total}"
    if assessment is not None and assessment.is_signed:
        detail += f"; addendum to the signed assessment {assessment.pk}"
    audit.changed(actor, "create", response, detail=detail)
    if assessment is not None and not assessment.is_signed:
        assessment.findings = {**assessment.findings, "visa_h": score.total}
        _reevaluate(assessment)
        assessment.lock_version += 1
        audit.attribute(assessment, actor)
        assessment.save()
        audit.changed(actor, "change", assessment, detail="VISA-H total added to findings")
    return response


# --- Patient import (CSV) ---------------------------------------------------------------
#
# Upload and check (``preview_patient_import``: nothing is written to patients), confirm
# (``commit_patient_import``: the job is queued in the same transaction), then the worker
# creates the patients in chunks (``run_patient_import``). See docs/adr/0006-task-queue.md.

IMPORT_SKIPPED: dict[str, str] = {
    PatientImportRow.Kind.PROBLEM: "Not imported: the row has problems.",
    PatientImportRow.Kind.DUPLICATE: "Not imported: possibly a patient already in the clinic "
    "or in an earlier row.",
    PatientImportRow.Kind.EXISTING: "Not imported: already in the clinic.",
}
IMPORTED_DETAIL = "imported"
# Rows of one query's IN list (SQLite allows 32,766 parameters per statement).
_IN_CHUNK = 5000


def _lowered_identifiers(clinic_id, identifiers: set[str]) -> dict[str, str]:
    """Of these identifiers (lower case), those already used in the clinic: lowered -> stored."""
    found: dict[str, str] = {}
    wanted = sorted(identifiers)
    for i in range(0, len(wanted), _IN_CHUNK):
        rows = (
            Patient.objects.filter(clinic_id=clinic_id)
            .annotate(lowered=Lower("identifier"))
            .filter(lowered__in=wanted[i : i + _IN_CHUNK])
            .values_list("lowered", "identifier")
        )
        found.update(rows)
    return found


def _same_person_key(given: str, family: str, born) -> tuple:
    return (given.casefold(), family.casefold(), str(born))


def _people_born_on(clinic_id, days: set) -> set[tuple]:
    """(given, family, date of birth) of the clinic's patients born on these days."""
    people: set[tuple] = set()
    wanted = sorted(days)
    for i in range(0, len(wanted), _IN_CHUNK):
        rows = Patient.objects.filter(
            clinic_id=clinic_id, date_of_birth__in=wanted[i : i + _IN_CHUNK]
        ).values_list("given_name", "family_name", "date_of_birth")
        people.update(_same_person_key(g, f, d) for g, f, d in rows)
    return people


def _tidy_values(values: dict) -> dict:
    values = dict(values)
    values["given_name"] = names.tidy_name(values["given_name"])
    values["family_name"] = names.tidy_name(values["family_name"], family=True)
    return values


def _classify(clinic_id, checked: list[patient_import.CheckedRow]) -> list[PatientImportRow]:
    """Each checked row as new, with problems, a possible duplicate or already in the clinic."""
    valid = [row for row in checked if row.valid]
    for row in valid:
        row.values = _tidy_values(row.values)
    taken = _lowered_identifiers(
        clinic_id, {r.values["identifier"].lower() for r in valid if r.values["identifier"]}
    )
    born = {datetime.date.fromisoformat(r.values["date_of_birth"]) for r in valid}
    same_people = _people_born_on(clinic_id, born)
    clinic_index = selectors.duplicate_index(
        clinic_id, dates_of_birth=born if len(born) <= _IN_CHUNK // 2 else None
    )
    file_index = duplicates.DuplicateIndex()
    first_with: dict[str, int] = {}
    out = []
    for row in checked:
        kind, messages = _kind_of(row, taken, same_people, clinic_index, file_index, first_with)
        out.append(
            PatientImportRow(number=row.number, values=row.values, kind=kind, messages=messages)
        )
    _name_existing(out)
    return out


_SAME_AS_PATIENT = "May be the same person as patient {} already in the clinic."


def _name_existing(rows: list[PatientImportRow]) -> None:
    """Name the existing patient of each possible duplicate by identifier (not by name: the
    message goes into the downloadable report too)."""
    marked = [row for row in rows if row.messages[:1] == [_SAME_AS_PATIENT]]
    pks = [row.messages[1] for row in marked]
    identifiers: dict[str, str] = {}
    for i in range(0, len(pks), _IN_CHUNK):
        found = Patient.objects.filter(pk__in=pks[i : i + _IN_CHUNK])
        identifiers.update((str(pk), ident) for pk, ident in found.values_list("pk", "identifier"))
    for row in marked:
        row.messages = [_SAME_AS_PATIENT.format(identifiers[row.messages[1]])]


def _kind_of(row, taken, same_people, clinic_index, file_index, first_with) -> tuple[str, list]:
    Kind = PatientImportRow.Kind  # noqa: N806
    if not row.valid:
        return Kind.PROBLEM, row.messages
    values = row.values
    identifier = values["identifier"].lower()
    if identifier in taken:
        return Kind.EXISTING, [f"A patient with identifier {taken[identifier]} is already here."]
    key = _same_person_key(values["given_name"], values["family_name"], values["date_of_birth"])
    if not identifier and key in same_people:
        return Kind.EXISTING, ["A patient with the same names and date of birth is already here."]
    if identifier in first_with:
        return Kind.PROBLEM, [f"The same identifier as row {first_with[identifier]}."]
    if identifier:
        first_with[identifier] = row.number
    person = duplicates.Person(
        key=row.number,
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=datetime.date.fromisoformat(values["date_of_birth"]),
    )
    existing = clinic_index.matches(person)
    earlier = file_index.matches(person)
    file_index.add(person)
    if existing:
        # The patient's identifier is filled in by _name_existing (one query for the file).
        return Kind.DUPLICATE, [_SAME_AS_PATIENT, str(existing[0].key)]
    if earlier:
        return Kind.DUPLICATE, [f"May be the same person as row {earlier[0].key}."]
    return Kind.NEW, []


def preview_patient_import(
    *, actor: Actor, file_name: str, data: bytes, parsed: patient_import.ParsedFile
) -> PatientImport:
    """Store a checked file and each of its rows; nothing is written to patients yet.

    The rows are checked before the transaction that stores them, so that on SQLite the
    database's write lock is held for the inserts only, not for the reading as well."""
    today = timezone.localdate()
    checked = [patient_import.check_row(n, raw, today=today) for n, raw in parsed.rows]
    rows = _classify(actor.clinic.pk, checked)
    with transaction.atomic():
        return _store_preview(actor, file_name, data, rows)


def _store_preview(actor: Actor, file_name: str, data: bytes, rows: list) -> PatientImport:
    counts = collections.Counter(row.kind for row in rows)
    job = PatientImport.objects.create(
        clinic=actor.clinic,
        uploaded_by=actor.user,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        rows_total=len(rows),
        rows_new=counts[PatientImportRow.Kind.NEW],
        rows_problem=counts[PatientImportRow.Kind.PROBLEM],
        rows_duplicate=counts[PatientImportRow.Kind.DUPLICATE],
        rows_existing=counts[PatientImportRow.Kind.EXISTING],
    )
    for row in rows:
        row.patient_import = job
    PatientImportRow.objects.bulk_create(rows, batch_size=1000)
    audit.log(actor, "create", object_type=job.audit_type, object_id=job.pk, detail="file checked")
    return job


@transaction.atomic
def commit_patient_import(*, actor: Actor, job: PatientImport, include_duplicates: bool) -> bool:
    """Queue the checked import (in this transaction: no job without its import, and the
    other way round). False if it was already confirmed or cancelled."""
    audit.require_same_clinic(actor, job, "import")
    stored = PatientImport.objects.select_for_update().get(pk=job.pk)
    if stored.status != PatientImport.Status.PREVIEW:
        return False
    job.status = PatientImport.Status.QUEUED
    job.committed_by = actor.user
    job.committed_from = actor.ip_address
    job.include_duplicates = include_duplicates
    job.save(update_fields=["status", "committed_by", "committed_from", "include_duplicates"])
    import_patients.enqueue(str(job.pk))
    return True


@transaction.atomic
def cancel_patient_import(*, actor: Actor, job: PatientImport) -> bool:
    """Stop an import before its next chunk (chunks already committed stay). False if it
    had already finished."""
    audit.require_same_clinic(actor, job, "import")
    stored = PatientImport.objects.select_for_update().get(pk=job.pk)
    if stored.is_finished:
        return False
    job.status = PatientImport.Status.CANCELLED
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return True


def resume_patient_imports() -> list:
    """Queue again every confirmed import that has not finished and has no job waiting: a
    worker stopped (killed, restarted, the machine rebooted) in the middle of it. Run when a
    worker starts (``manage.py run_worker``). A second job for an import already running is
    harmless: chunks are taken one at a time under the import's lock, each from the rows still
    to do."""
    resumed = []
    with transaction.atomic():
        waiting = {
            str(args_kwargs["args"][0])
            for args_kwargs in DBTaskResult.objects.filter(
                status="READY", task_path=import_patients.module_path
            ).values_list("args_kwargs", flat=True)
        }
        unfinished = PatientImport.objects.filter(
            status__in=[PatientImport.Status.QUEUED, PatientImport.Status.IMPORTING]
        ).values_list("pk", flat=True)
        for pk in unfinished:
            if str(pk) not in waiting:
                import_patients.enqueue(str(pk))
                resumed.append(pk)
    return resumed


@task()
def import_patients(import_id: str) -> None:
    """The background task (Django's tasks API; the queue is django-tasks-db, ADR 6): create
    a confirmed import's patients, resuming after the last chunk committed (a job queued
    again for a finished or cancelled import does nothing)."""
    run_patient_import(import_id)


def run_patient_import(import_id, *, chunk_rows: int | None = None, max_chunks=None) -> None:
    """Create an import's patients, one chunk per transaction, until none is left.

    ``max_chunks`` stops early, as a killed worker would (tests, the benchmark)."""
    size = chunk_rows or settings.PATIENT_IMPORT_CHUNK_ROWS
    done = 0
    try:
        while max_chunks is None or done < max_chunks:
            if not _import_chunk(import_id, size):
                return
            done += 1
    except Exception as error:
        _mark_failed(import_id, error)
        raise


def _mark_failed(import_id, error: Exception) -> None:
    with transaction.atomic():
        job = PatientImport.objects.select_for_update().get(pk=import_id)
        if job.is_finished:
            return
        job.status = PatientImport.Status.FAILED
        job.error = f"Stopped by an unexpected error ({type(error).__name__})."[:300]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])


def _import_chunk(import_id, size: int) -> bool:
    """One chunk: its patients, its rows' outcomes and the progress, all or nothing. False
    when nothing is left to do."""
    with transaction.atomic():
        job = (
            PatientImport.objects.select_for_update(of=("self",))
            .select_related("clinic", "committed_by", "uploaded_by")
            .get(pk=import_id)
        )
        if job.status == PatientImport.Status.QUEUED:
            job.status, job.started_at = PatientImport.Status.IMPORTING, timezone.now()
        elif job.status != PatientImport.Status.IMPORTING:
            return False
        rows = list(job.rows.filter(outcome="").order_by("number")[:size])
        if not rows:
            job.status, job.finished_at = PatientImport.Status.DONE, timezone.now()
            job.heartbeat_at = job.finished_at
            job.save()
            return False
        _import_rows(job, rows)
        _save_outcomes(rows)
        outcomes = collections.Counter(row.outcome for row in rows)
        job.processed += len(rows)
        job.created += outcomes[PatientImportRow.Outcome.CREATED]
        job.skipped += outcomes[PatientImportRow.Outcome.SKIPPED]
        job.failed += outcomes[PatientImportRow.Outcome.FAILED]
        job.heartbeat_at = timezone.now()
        job.save()
        return True


def _save_outcomes(rows: list[PatientImportRow]) -> None:
    """Store each row's outcome: one prepared UPDATE run for every row (``bulk_update``'s
    CASE expressions cost more than the patients' own INSERTs)."""
    meta = PatientImportRow._meta
    fields = {field.name: field for field in meta.concrete_fields}
    patient_field = {field.name: field for field in Patient._meta.concrete_fields}["id"]
    columns = ("outcome", "message", "identifier_created", "patient")
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(fields[c].column))} = %s" for c in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(str(fields['id'].column))} = %s"
    params = [
        (
            row.outcome,
            row.message,
            row.identifier_created,
            patient_field.get_db_prep_value(row.patient_id, connection),
            row.pk,
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _import_rows(job: PatientImport, rows: list[PatientImportRow]) -> None:
    """Decide each row of a chunk and create the patients wanted (setting the rows' outcome)."""
    wanted_kinds = {PatientImportRow.Kind.NEW}
    if job.include_duplicates:
        wanted_kinds.add(PatientImportRow.Kind.DUPLICATE)
    for row in rows:
        if row.kind not in wanted_kinds:
            row.outcome, row.message = PatientImportRow.Outcome.SKIPPED, IMPORT_SKIPPED[row.kind]
    wanted = [row for row in rows if row.kind in wanted_kinds]
    # Identifiers registered by hand since the file was checked.
    taken = _lowered_identifiers(
        job.clinic_id, {r.values["identifier"].lower() for r in wanted if r.values["identifier"]}
    )
    for row in wanted:
        if row.values["identifier"].lower() in taken:
            row.outcome = PatientImportRow.Outcome.SKIPPED
            row.message = "Not imported: a patient with this identifier was added meanwhile."
    wanted = [row for row in wanted if not row.outcome]
    user = job.committed_by or job.uploaded_by  # confirming sets committed_by
    actor = Actor(user=user, clinic=job.clinic, ip_address=job.committed_from)
    try:
        with transaction.atomic():
            create_imported_patients(actor=actor, rows=wanted)
    except IntegrityError:
        # An identifier taken between the check above and the insert: one row at a time.
        for row in wanted:
            try:
                with transaction.atomic():
                    create_imported_patients(actor=actor, rows=[row])
            except IntegrityError:
                row.outcome = PatientImportRow.Outcome.FAILED
                row.message = DUPLICATE_IDENTIFIER
                row.patient, row.identifier_created = None, ""


def _take_identifier_numbers(clinic: Clinic, count: int) -> list[str]:
    """``count`` next free numbered identifiers, taken for this transaction (as
    ``_take_identifier_number``: the clinic row's write orders concurrent registrations)."""
    if not count:
        return []
    Clinic.objects.filter(pk=clinic.pk).update(next_identifier_number=F("next_identifier_number"))
    current = Clinic.objects.only("id", "identifier_prefix", "next_identifier_number").get(
        pk=clinic.pk
    )
    found = selectors.free_identifiers(current, count)
    Clinic.objects.filter(pk=clinic.pk).update(next_identifier_number=found[-1][1] + 1)
    return [identifier for identifier, _number in found]


@transaction.atomic
def create_imported_patients(*, actor: Actor, rows: list[PatientImportRow]) -> list[Patient]:
    """Register many checked import rows at once: what ``create_patient`` does for one (names
    tidied, search columns, a change-history row naming the importing admin, one access-log
    "create" row per patient), written with one INSERT per table and batch. The hash chains
    are extended in order under their lock (``pht.chain.append_all``). Sets each row's
    ``patient``, ``identifier_created`` and outcome."""
    numbers = iter(
        _take_identifier_numbers(actor.clinic, sum(not r.values["identifier"] for r in rows))
    )
    now = timezone.now()
    patients = []
    for row in rows:
        data = {name: row.values[name] for name in patient_import.COLUMNS}
        data["date_of_birth"] = datetime.date.fromisoformat(data["date_of_birth"])
        patient = Patient(clinic=actor.clinic, **_tidy(data))
        if not patient.identifier:
            patient.identifier = row.identifier_created = next(numbers)
        patient.created_at = patient.updated_at = now
        patient.refresh_search_columns()
        patients.append(patient)
        row.patient = patient
        row.outcome, row.message = PatientImportRow.Outcome.CREATED, ""
    Patient.objects.bulk_create(patients, batch_size=1000)
    history = Patient.history.model
    chain.append_all(
        history,
        [
            history(
                history_date=now,
                history_user=actor.user,
                history_type="+",
                **{field.attname: getattr(p, field.attname) for field in history.tracked_fields},
            )
            for p in patients
        ],
    )
    chain.append_all(
        AccessLog,
        [
            AccessLog(
                at=now,
                user=actor.user,
                username=actor.user.get_username(),
                clinic=actor.clinic,
                action="create",
                object_type=Patient.audit_type,
                object_id=p.pk,
                patient_id=p.pk,
                ip_address=actor.ip_address,
                detail=IMPORTED_DETAIL,
            )
            for p in patients
        ],
    )
    return patients
