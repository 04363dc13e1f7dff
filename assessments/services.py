"""The only code that writes clinical data. Each function is one transaction and audits itself."""

import copy
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessments import duplicates, names, reasoning, selectors
from assessments.models import Assessment, NotDuplicate, Patient, Reevaluation, VisaHResponse
from pht import access, audit, rules
from pht.audit import Actor
from pht.models import Clinic
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
