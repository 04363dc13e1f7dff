"""The only code that writes rehab data. Each function is one transaction and audits itself.

Clinical decisions (starting stage, exercises that fit, load advice, progress/hold/regress,
walk-run steps) come from ``pht.rules.rehab``; this module is the adapter that feeds the
rules from the database and stores what they said.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment, VisaHResponse
from assessments.services import lock_active_patient
from pht import audit
from pht.audit import Actor
from pht.rules import RULES_VERSION
from pht.rules import rehab as rules
from rehab.library import load_shipped_exercises, read_library
from rehab.models import (
    Exercise,
    ExerciseStage,
    PlanExercise,
    ProgressReview,
    RehabPlan,
    StageChange,
)

DRAFT_ASSESSMENT = (
    "This assessment is still a draft. Sign it first: a rehab plan starts from a signed "
    "assessment, so the plan always rests on findings that can no longer change."
)
GATE_OVERRIDE_REQUIRED = (
    "Rehab is not proposed for this assessment (see the reasons above). To plan it anyway, "
    "record the clinical reason: it is kept with the plan and printed on the clinician copy "
    "of the handout."
)
OVERRIDE_MAX_LENGTH = 2000


def gate(assessment: Assessment) -> rules.RehabGate:
    """Whether the rules allow a rehab proposal from this signed assessment, and why not."""
    return rules.rehab_gate(
        assessment.evaluation or {}, working_diagnosis=assessment.working_diagnosis
    )


SLUG_TAKEN_SHIPPED = "A shipped exercise already uses this short name; choose another."
SLUG_TAKEN_CLINIC = "Your clinic already has an exercise with this short name."
SLUG_RESERVED = "This short name is reserved; choose another."
RESERVED_SLUGS = frozenset({"new"})
NO_EXERCISES = "Choose at least one exercise for the plan."
ALREADY_ACCEPTED = "This suggestion was already accepted."
STALE_PLAN = (
    "Someone else changed this plan after you opened it, so your changes were not saved. "
    "Reload the plan to see their version, then make your changes again."
)
QUESTIONNAIRE_NOT_AVAILABLE = (
    "This VISA-H questionnaire cannot be used for this review: it belongs to another patient, "
    "an assessment or another review."
)
REVIEW_HAS_VISA_H = "This review already has a VISA-H."
NEXT_REVIEW_ORDER = "The next review comes after this one."
STALE_REVIEW = (
    "The plan has changed stage since this review was recorded, so its suggestion no "
    "longer applies. Record a new review."
)


class StalePlan(Exception):
    """The edit form was made from an older version of the plan than the one stored."""


# --- reading the rules' inputs --------------------------------------------------------


def spec_for(exercise: Exercise) -> rules.ExerciseSpec:
    """The rules' view of a library exercise (stages must be prefetched as stage_links)."""
    return rules.ExerciseSpec(
        slug=exercise.slug,
        name=exercise.name,
        stages=tuple(link.stage for link in exercise.stage_links.all()),
        load_type=exercise.load_type,
        hip_flexion=exercise.hip_flexion,
        dosage=exercise.dosage,
    )


@dataclass(frozen=True)
class Proposal:
    """What the rules propose for an assessment, with the library rows behind it."""

    proposal: rules.PlanProposal
    irritability_reasons: tuple[str, ...]
    stage: int  # the stage shown: the proposed one, or the clinician's choice
    exercises: tuple[Exercise, ...]  # library rows fitting ``stage``, in library order
    load_advice: tuple[rules.LoadAdvice, ...]


def tendon_stage_of(assessment: Assessment) -> str | None:
    return assessment.stage if assessment.stage in rules.TENDON_STAGES else None


def propose(
    *,
    assessment: Assessment,
    library: list[Exercise],
    goals_need_running: bool,
    stage: int | None = None,
) -> Proposal:
    """Ask the rules for a plan. ``stage`` lets the clinician look at another stage's set."""
    irritability, irritability_reasons = rules.irritability_from_findings(
        assessment.evaluated_findings
    )
    active = [exercise for exercise in library if exercise.status == Exercise.Status.ACTIVE]
    specs = [spec_for(exercise) for exercise in active]
    proposal = rules.propose_plan(
        tendon_stage=tendon_stage_of(assessment),
        irritability=irritability,
        exercises=specs,
        goals_need_running=goals_need_running,
    )
    shown = proposal.rehab_stage if stage is None else stage
    fitting = {spec.slug for spec in rules.exercises_for_stage(shown, specs)}
    return Proposal(
        proposal=proposal,
        irritability_reasons=tuple(irritability_reasons),
        stage=shown,
        exercises=tuple(exercise for exercise in active if exercise.slug in fitting),
        load_advice=rules.load_advice_for(shown, goals_need_running=goals_need_running),
    )


def _advice_snapshot(stage: int, goals_need_running: bool) -> list[dict]:
    return [
        advice.to_dict()
        for advice in rules.load_advice_for(stage, goals_need_running=goals_need_running)
    ]


# --- exercise library -----------------------------------------------------------------


@transaction.atomic
def load_shipped_library(entries: list[dict] | None = None) -> int:
    """Create or update the shipped exercises from ``rehab/data/exercises.json`` (validated by
    the rules first); shipped exercises no longer in the file are retired, never deleted.

    The shipped library belongs to no clinic and no user, so there is no access-log row; the
    change history (hash-chained) records every created or changed exercise. The data
    migration calls ``rehab.library.load_shipped_exercises`` itself, with its historical models.
    """
    return load_shipped_exercises(
        Exercise, ExerciseStage, read_library() if entries is None else entries
    )


@transaction.atomic
def create_custom_exercise(*, actor: Actor, data: dict, stages: list[int]) -> Exercise:
    """Add one of the clinic's own exercises, checked by the same rules as the library.

    ``data`` holds the Exercise columns (dosage, text, cues and avoid as lists, source).
    Raises ValidationError listing every problem; nothing is saved then.
    """
    slug = data["slug"]
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": SLUG_RESERVED})
    if Exercise.objects.filter(clinic__isnull=True, slug=slug).exists():
        raise ValidationError({"slug": SLUG_TAKEN_SHIPPED})
    if Exercise.objects.filter(clinic=actor.clinic, slug=slug).exists():
        raise ValidationError({"slug": SLUG_TAKEN_CLINIC})
    entry = {
        "slug": slug,
        "name": data["name"],
        "stages": stages,
        "load_type": data["load_type"],
        "hip_flexion": data["hip_flexion"],
        "dosage": {
            key: data[key] for key in Exercise.DOSAGE_FIELDS if data.get(key) not in ("", None)
        },
        "instructions": data["instructions"],
        "cues": data["cues"],
        "avoid": data["avoid"],
        "source": {
            "key": data["source_key"],
            "citation": data["source_citation"],
            "status": data["source_status"],
            "note": data.get("source_note", ""),
        },
    }
    try:
        rules.exercise_spec_from_dict(entry)
    except rules.RehabInputError as error:
        # "slug: hip_flexion: deep is deeper than stage 1 allows" -> drop the label.
        raise ValidationError([p.split(": ", 1)[1] for p in error.problems]) from None
    exercise = Exercise(clinic=actor.clinic, created_by=actor.user, order=10_000, **data)
    audit.attribute(exercise, actor)
    try:
        with transaction.atomic():
            exercise.save()
    except IntegrityError:
        # The same short name saved by another request since the check above.
        raise ValidationError({"slug": SLUG_TAKEN_CLINIC}) from None
    ExerciseStage.objects.bulk_create(
        [ExerciseStage(exercise=exercise, stage=stage) for stage in sorted(set(stages))]
    )
    audit.log(actor, "create", object_type="exercise", object_id=exercise.pk, detail=slug)
    return exercise


# --- plans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """One exercise of a plan as the clinician set it."""

    exercise: Exercise
    dosage: dict[str, str]


def _check_items(stage: int, items: list[PlanItem]) -> None:
    if not items:
        raise ValidationError(NO_EXERCISES)
    problems = [
        f"{item.exercise.name}: its hip flexion ({item.exercise.get_hip_flexion_display()}) "
        f"is deeper than stage {stage} allows. Remove it or choose another exercise."
        for item in items
        if not rules.hip_flexion_allowed(stage, item.exercise.hip_flexion)
    ]
    if problems:
        raise ValidationError(problems)


def _write_items(plan: RehabPlan, items: list[PlanItem], actor: Actor) -> None:
    """Make the plan's exercises exactly ``items``: update, add, remove (history kept)."""
    existing = {item.exercise_id: item for item in plan.items.all()}
    wanted = {item.exercise.pk for item in items}
    for exercise_id, row in existing.items():
        if exercise_id not in wanted:
            audit.attribute(row, actor)
            row.delete()
    for order, item in enumerate(items):
        row = existing.get(item.exercise.pk) or PlanExercise(plan=plan, exercise=item.exercise)
        values: dict[str, object] = {
            name: item.dosage.get(name, "") for name in PlanExercise.DOSAGE_FIELDS
        }
        values["order"] = order
        if not row._state.adding and all(getattr(row, k) == v for k, v in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        audit.attribute(row, actor)
        row.save()


@transaction.atomic
def create_plan(
    *,
    actor: Actor,
    assessment: Assessment,
    stage: int,
    goals_need_running: bool,
    review_date: datetime.date,
    items: list[PlanItem],
    notes: str = "",
    started_on: datetime.date | None = None,
    override_reason: str = "",
) -> RehabPlan:
    """Save the clinician's edited proposal as a plan for the assessment's patient.

    While the rules advise against rehab (``gate``), a plan is saved only with the
    clinician's reason for planning anyway; the reason and the advice are kept with the plan
    and the audit entry says an override was recorded.
    """
    audit.require_same_clinic(actor, assessment, "assessment")
    lock_active_patient(assessment.patient_id)
    if not assessment.is_signed:
        raise ValidationError(DRAFT_ASSESSMENT)
    override_reason = override_reason.strip()
    advice = gate(assessment)
    if not advice.allowed and not override_reason:
        raise ValidationError(GATE_OVERRIDE_REQUIRED)
    _check_items(stage, items)
    irritability, irritability_reasons = rules.irritability_from_findings(
        assessment.evaluated_findings
    )
    proposal = rules.propose_plan(
        tendon_stage=tendon_stage_of(assessment),
        irritability=irritability,
        exercises=[],
        goals_need_running=goals_need_running,
    )
    reasons = [*proposal.reasons, *irritability_reasons]
    if stage != proposal.rehab_stage:
        reasons.append(
            f"The clinician chose stage {stage} instead of the suggested stage "
            f"{proposal.rehab_stage}."
        )
    plan = RehabPlan(
        patient=assessment.patient,
        clinic=actor.clinic,
        assessment=assessment,
        current_stage=stage,
        proposed_stage=proposal.rehab_stage,
        stage_since=started_on or timezone.localdate(),
        tendon_stage=assessment.stage,
        irritability=irritability,
        proposal_reasons=reasons,
        goals_need_running=goals_need_running,
        load_advice=_advice_snapshot(stage, goals_need_running),
        run_step=rules.FIRST_RUN_STEP if stage == rules.LAST_STAGE else None,
        review_date=review_date,
        notes=notes,
        rules_version=RULES_VERSION,
        created_by=actor.user,
        gate_reasons=[] if advice.allowed else list(advice.reasons),
        gate_override_reason="" if advice.allowed else override_reason,
    )
    audit.attribute(plan, actor)
    plan.save()
    _write_items(plan, items, actor)
    detail = f"stage {stage}; from assessment {assessment.pk}"
    if not advice.allowed:
        detail += "; planned against the rules' advice: override reason recorded"
    audit.changed(actor, "create", plan, detail=detail)
    return plan


@transaction.atomic
def update_plan(
    *,
    actor: Actor,
    plan: RehabPlan,
    goals_need_running: bool,
    review_date: datetime.date,
    items: list[PlanItem],
    notes: str,
    lock_version: int | None,
) -> RehabPlan:
    """Change a plan's exercises, dosages, review date, goals or notes. The stage moves
    only through an accepted review.

    ``lock_version`` is the plan version the edit form was made from: if the plan has been
    saved since (by a colleague, or by an accepted review), StalePlan is raised and nothing
    is written.
    """
    lock_active_patient(plan.patient_id)
    stored = RehabPlan.objects.select_for_update().get(pk=plan.pk)
    audit.require_same_clinic(actor, stored, "rehab plan")
    if stored.lock_version != lock_version:
        raise StalePlan(STALE_PLAN)
    _check_items(stored.current_stage, items)
    stored.goals_need_running = goals_need_running
    stored.review_date = review_date
    stored.notes = notes
    stored.load_advice = _advice_snapshot(stored.current_stage, goals_need_running)
    stored.lock_version += 1
    audit.attribute(stored, actor)
    stored.save()
    _write_items(stored, items, actor)
    audit.changed(
        actor,
        "change",
        stored,
        detail=f"plan edited: {len(items)} exercises",
    )
    return stored


# --- reviews ----------------------------------------------------------------------------


def _check_questionnaire(plan: RehabPlan, response: VisaHResponse) -> VisaHResponse:
    """The questionnaire, locked, if a review of ``plan`` may use it; else ValidationError."""
    stored = VisaHResponse.objects.select_for_update().get(pk=response.pk)
    used = ProgressReview.objects.filter(visa_h_id=stored.pk).exists()
    if (
        stored.patient_id != plan.patient_id
        or stored.clinic_id != plan.clinic_id
        or stored.assessment_id is not None
        or used
    ):
        raise ValidationError({"visa_h": QUESTIONNAIRE_NOT_AVAILABLE})
    return stored


@transaction.atomic
def record_review(*, actor: Actor, plan: RehabPlan, data: dict) -> ProgressReview:
    """Store a follow-up and the rules' suggestion for it. The stage does not move yet.

    ``data``: reviewed_on, marker_pain, response_24h, sitting_tolerance_min, adherence,
    visa_h (a questionnaire of the patient, or None), pain_during_run, notes and
    next_review_on (already validated by the form; the rules validate again and raise
    ValidationError listing every problem). The questionnaire's total is copied to the
    review; ``next_review_on`` becomes the plan's review date (None leaves it). Older callers
    may give a typed ``visa_h_total`` instead of a questionnaire.
    """
    lock_active_patient(plan.patient_id)
    data = dict(data)
    stored = RehabPlan.objects.select_for_update().get(pk=plan.pk)
    audit.require_same_clinic(actor, stored, "rehab plan")
    questionnaire = data.pop("visa_h", None)
    if questionnaire is not None:
        questionnaire = _check_questionnaire(stored, questionnaire)
        data["visa_h_total"] = questionnaire.total
    next_review_on = data.get("next_review_on")
    if next_review_on is not None and next_review_on <= data["reviewed_on"]:
        raise ValidationError({"next_review_on": NEXT_REVIEW_ORDER})
    previous = (
        stored.reviews.filter(reviewed_on__lte=data["reviewed_on"])
        .order_by("-reviewed_on", "-created_at")
        .values_list("marker_pain", flat=True)
        .first()
    )
    suggestion, run = _suggest(stored, data, previous)
    review = ProgressReview(
        plan=stored,
        clinic=stored.clinic,
        visa_h=questionnaire,
        stage_at_review=stored.current_stage,
        previous_marker_pain=previous,
        weeks_at_stage=_weeks_at_stage(stored, data["reviewed_on"]),
        decision=suggestion.decision,
        suggested_stage=suggestion.suggested_stage,
        reasons=list(suggestion.reasons),
        suggestion_notes=list(suggestion.notes),
        run_suggestion=run,
        rules_version=RULES_VERSION,
        created_by=actor.user,
        **data,
    )
    audit.attribute(review, actor)
    review.full_clean(exclude=["plan", "clinic", "created_by", "visa_h"])
    review.save()
    detail = f"suggested {suggestion.decision} to stage {suggestion.suggested_stage}"
    if questionnaire is not None:
        detail += f"; VISA-H questionnaire {questionnaire.pk}"
    audit.changed(actor, "create", review, detail=detail)
    if next_review_on is not None and next_review_on != stored.review_date:
        previous_date = stored.review_date
        stored.review_date = next_review_on
        stored.lock_version += 1
        audit.attribute(stored, actor)
        stored.save()
        audit.changed(
            actor,
            "change",
            stored,
            detail=f"review date {previous_date} to {next_review_on}, set at review {review.pk}",
        )
    return review


def _weeks_at_stage(plan: RehabPlan, reviewed_on: datetime.date) -> float:
    return rules.weeks_between(plan.stage_since.toordinal(), reviewed_on.toordinal())


def _suggest(plan: RehabPlan, data: dict, previous: int | None):
    """The rules' suggestion for a review (and the walk-run step in stage 4)."""
    try:
        suggestion = rules.suggest_progression(
            current_stage=plan.current_stage,
            marker_pain=data["marker_pain"],
            response_24h=data["response_24h"],
            previous_marker_pain=previous,
            sitting_tolerance_min=data.get("sitting_tolerance_min"),
            adherence=data["adherence"],
            weeks_at_stage=_weeks_at_stage(plan, data["reviewed_on"]),
            goals_need_running=plan.goals_need_running,
        )
        run = None
        if plan.is_return_to_running and data.get("pain_during_run") is not None:
            run = rules.suggest_run_progression(
                current_step=plan.run_step or rules.FIRST_RUN_STEP,
                response_24h=data["response_24h"],
                pain_during_run=data["pain_during_run"],
            ).to_dict()
    except rules.RehabInputError as error:
        raise ValidationError(list(error.problems)) from None
    return suggestion, run


@transaction.atomic
def link_visa_h(*, actor: Actor, review: ProgressReview, response: VisaHResponse) -> ProgressReview:
    """Give a review recorded without a VISA-H the questionnaire completed for it.

    The review's suggestion does not change (VISA-H is not one of its inputs); the total is
    copied for the plan's table and the patient's trends.
    """
    stored = ProgressReview.objects.select_for_update().select_related("plan").get(pk=review.pk)
    audit.require_same_clinic(actor, stored.plan, "rehab plan")
    if stored.visa_h_id is not None or stored.visa_h_total is not None:
        raise ValidationError(REVIEW_HAS_VISA_H)
    questionnaire = _check_questionnaire(stored.plan, response)
    stored.visa_h = questionnaire
    stored.visa_h_total = questionnaire.total
    audit.attribute(stored, actor)
    stored.save(update_fields=["visa_h", "visa_h_total"])
    audit.changed(
        actor,
        "change",
        stored,
        detail=f"VISA-H questionnaire {questionnaire.pk} linked (total {questionnaire.total})",
    )
    return stored


@transaction.atomic
def accept_review(*, actor: Actor, review: ProgressReview) -> StageChange | None:
    """Apply a review's suggestion to its plan: move the stage (one step) and, in stage 4,
    the walk-run step. Returns the StageChange, or None when the stage stays."""
    lock_active_patient(review.plan.patient_id)
    stored = ProgressReview.objects.select_for_update().get(pk=review.pk)
    plan = RehabPlan.objects.select_for_update().get(pk=stored.plan_id)
    audit.require_same_clinic(actor, plan, "rehab plan")
    if stored.is_accepted:
        raise ValidationError(ALREADY_ACCEPTED)
    if stored.stage_at_review != plan.current_stage:
        raise ValidationError(STALE_REVIEW)
    if abs(stored.suggested_stage - plan.current_stage) > 1:
        # The rules move one step at most; a stored review that says otherwise is refused.
        raise ValidationError("This review suggests a move of more than one stage.")

    stored.accepted_at = timezone.now()
    stored.accepted_by = actor.user
    audit.attribute(stored, actor)
    stored.save(update_fields=["accepted_at", "accepted_by"])

    change = None
    details = []
    if stored.suggested_stage != plan.current_stage:
        change = StageChange(
            plan=plan,
            review=stored,
            from_stage=plan.current_stage,
            to_stage=stored.suggested_stage,
            changed_by=actor.user,
        )
        audit.attribute(change, actor)
        change.save()
        details.append(f"stage {plan.current_stage} to {stored.suggested_stage}")
        plan.current_stage = stored.suggested_stage
        plan.stage_since = stored.reviewed_on
        plan.load_advice = _advice_snapshot(plan.current_stage, plan.goals_need_running)
        plan.run_step = rules.FIRST_RUN_STEP if plan.is_return_to_running else None
    elif stored.run_suggestion and plan.is_return_to_running:
        step = stored.run_suggestion["suggested_step"]
        if step != plan.run_step:
            details.append(f"walk-run step {plan.run_step} to {step}")
            plan.run_step = step
    if details:
        plan.lock_version += 1
        audit.attribute(plan, actor)
        plan.save()
    audit.changed(
        actor,
        "change",
        plan,
        detail=f"accepted review {stored.pk}: {stored.decision}; "
        + ("; ".join(details) or "stage kept"),
    )
    return change
