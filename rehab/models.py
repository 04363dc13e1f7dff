"""The exercise library, rehab plans, their exercises, progress reviews and stage changes.

Models hold data and small facts about themselves. Every write goes through
``rehab.services``; every clinical decision comes from ``pht.rules.rehab``.
"""

import re
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pht.chain import ChainedHistoricalRecords
from pht.models import Clinic
from pht.rules import rehab as rules

STAGE_CHOICES = [(stage.number, f"{stage.number}. {stage.name}") for stage in rules.REHAB_STAGES]
EXERCISE_STAGE_CHOICES = [choice for choice in STAGE_CHOICES if choice[0] >= 1]
_BARE_COUNT = re.compile(r"\d+(\s*[-–]\s*\d+)?")


def _is_bare_count(text: str) -> bool:
    return bool(_BARE_COUNT.fullmatch(text.strip()))


class LoadType(models.TextChoices):
    ISOMETRIC = "isometric", "Isometric"
    ISOTONIC = "isotonic", "Isotonic"
    ENERGY_STORAGE = "energy_storage", "Energy storage"
    RUNNING = "running", "Running"


class HipFlexion(models.TextChoices):
    NEUTRAL = "neutral", "Neutral (about 0-15°)"
    LOW = "low", "Low (about 15-30°)"
    MODERATE = "moderate", "Moderate (about 30-70°)"
    DEEP = "deep", "Deep (beyond about 70°)"


class Dosage(models.Model):
    """Dosage columns shared by a library exercise (its default) and a plan's exercise.

    Values are short text because the library writes ranges ("30-45", "6-8").
    """

    sets = models.CharField(max_length=20)
    reps = models.CharField(max_length=100, blank=True)
    hold_seconds = models.CharField("hold (seconds)", max_length=20, blank=True)
    rest_seconds = models.CharField("rest (seconds)", max_length=20)
    intensity = models.CharField(max_length=200)
    tempo = models.CharField(max_length=200)
    frequency = models.CharField(max_length=100)

    DOSAGE_FIELDS = (
        "sets",
        "reps",
        "hold_seconds",
        "rest_seconds",
        "intensity",
        "tempo",
        "frequency",
    )

    class Meta:
        abstract = True

    @property
    def dosage(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.DOSAGE_FIELDS if getattr(self, name)}

    @property
    def dosage_summary(self) -> str:
        """E.g. "5 sets x 30-45 s hold, rest 60-120 s" or "3 sets x 8-15 each side, rest 90 s".

        Units go only after a bare count or range: library text such as "8-15 each side" or
        "60-90 (walk back)" carries its own words, and a rest of 0 is left out.
        """
        sets = "1 set" if self.sets.strip() == "1" else f"{self.sets} sets"
        if self.reps:
            amount = f"{self.reps} reps" if _is_bare_count(self.reps) else self.reps
        else:
            hold = self.hold_seconds
            amount = f"{hold} s hold" if _is_bare_count(hold) else f"{hold} hold"
        rest = self.rest_seconds.strip()
        if not rest or rest == "0":
            return f"{sets} x {amount}"
        return f"{sets} x {amount}, rest {rest}{' s' if _is_bare_count(rest) else ''}"


class Exercise(Dosage):
    """A library exercise: shipped with the app (``clinic`` null) or a clinic's own."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.PROTECT, related_name="exercises"
    )
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    load_type = models.CharField(max_length=20, choices=LoadType)
    hip_flexion = models.CharField(max_length=10, choices=HipFlexion)
    instructions = models.TextField()
    cues = models.JSONField(default=list)
    avoid = models.JSONField(default=list)
    source_key = models.CharField(max_length=40)
    source_citation = models.TextField()
    source_status = models.CharField(max_length=4)
    source_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.ACTIVE)
    order = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = ChainedHistoricalRecords()  # the library's (no clinic): the shared chain

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(clinic__isnull=True),
                name="exercise_unique_shipped_slug",
            ),
            models.UniqueConstraint(
                fields=["clinic", "slug"],
                condition=models.Q(clinic__isnull=False),
                name="exercise_unique_clinic_slug",
            ),
        ]
        indexes = [models.Index(fields=["load_type", "status"], name="exercise_load_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.clinic_id is None


class ExerciseStage(models.Model):
    """One rehab stage an exercise is listed for: a row per stage keeps it queryable."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="stage_links")
    stage = models.PositiveSmallIntegerField(choices=EXERCISE_STAGE_CHOICES)

    history = ChainedHistoricalRecords(chain_by="exercise__clinic")

    class Meta:
        ordering = ["stage"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "stage"], name="exercise_stage_unique"),
            models.CheckConstraint(
                condition=models.Q(stage__gte=1, stage__lte=4), name="exercise_stage_1_to_4"
            ),
        ]
        indexes = [models.Index(fields=["stage", "exercise"], name="exercise_stage_lookup")]

    def __str__(self) -> str:
        return f"{self.exercise} in stage {self.stage}"


class RehabPlan(models.Model):
    """A patient's staged plan, started from a signed assessment.

    The proposal's inputs and reasons (tendon stage, irritability, rules version) and the
    load advice given are stored as a snapshot, like the assessment's evaluation.
    """

    audit_type = "rehab_plan"  # the access log's name for this record (pht.audit.viewed)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "assessments.Patient", on_delete=models.PROTECT, related_name="rehab_plans"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rehab_plans")
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="rehab_plans"
    )
    current_stage = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    proposed_stage = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    stage_since = models.DateField(help_text="When the plan entered its current stage.")
    tendon_stage = models.CharField(max_length=40, blank=True)
    irritability = models.CharField(max_length=10)
    proposal_reasons = models.JSONField(default=list, blank=True)
    goals_need_running = models.BooleanField(default=True)
    load_advice = models.JSONField(default=list, blank=True)
    run_step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Walk-run step reached, once in stage 4."
    )
    review_date = models.DateField()
    notes = models.TextField(blank=True)
    rules_version = models.CharField(max_length=40)
    # Planned although the rules advised against rehab (an urgent or emergency red flag open on
    # the assessment, or a working diagnosis that is not a tendinopathy): why the rules advised
    # against it, and the clinician's reason for planning anyway. Shown on the plan and on the
    # clinician copy of the handout.
    gate_reasons = models.JSONField(default=list, blank=True)
    gate_override_reason = models.TextField(
        "reason for planning rehab against the advice", blank=True
    )
    # Optimistic locking: every write bumps it; an edit form made from an older version is
    # refused (rehab.services.StalePlan) instead of overwriting a colleague's changes.
    lock_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # lock_version is a technical counter, not clinical content: kept out of the change log,
    # which also keeps the hash chain of the plans written before it existed intact.
    history = ChainedHistoricalRecords(excluded_fields=["lock_version"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(current_stage__lte=4, proposed_stage__lte=4),
                name="rehabplan_stage_0_to_4",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="rehabplan_patient_created"),
            models.Index(fields=["clinic", "review_date"], name="rehabplan_clinic_review"),
        ]

    def __str__(self) -> str:
        return f"Rehab plan for {self.patient} (stage {self.current_stage})"

    @property
    def audit_patient_id(self):
        return self.patient_id

    @property
    def stage(self) -> rules.RehabStage:
        return rules.rehab_stage(self.current_stage)

    @property
    def is_return_to_running(self) -> bool:
        return self.current_stage == rules.LAST_STAGE


class PlanExercise(Dosage):
    """One exercise of a plan, with the dosage the clinician set (copied from the default)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(RehabPlan, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    history = ChainedHistoricalRecords(chain_by="plan__clinic")

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "exercise"], name="planexercise_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} ({self.dosage_summary})"


class ProgressReview(models.Model):
    """A follow-up: what the patient reports, and what the rules suggested from it."""

    audit_type = "rehab_review"  # the access log's name for this record (pht.audit.viewed)

    class Response24h(models.TextChoices):
        BETTER = "better", "Better than before the session"
        SAME = "same", "No worse than before the session"
        WORSE = "worse", "Worse than before the session"

    class Adherence(models.TextChoices):
        FULL = "full", "Full: did (almost) all of the programme"
        PARTIAL = "partial", "Partial: did some of it"
        POOR = "poor", "Poor: did little of it"

    class Decision(models.TextChoices):
        PROGRESS = "progress", "Progress"
        HOLD = "hold", "Hold"
        REGRESS = "regress", "Regress"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(RehabPlan, on_delete=models.PROTECT, related_name="reviews")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField()
    marker_pain = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    response_24h = models.CharField(max_length=10, choices=Response24h)
    sitting_tolerance_min = models.PositiveIntegerField(null=True, blank=True)
    adherence = models.CharField(max_length=10, choices=Adherence)
    # The VISA-H questionnaire completed for this review (entered once, on the patient's
    # record) and its total, copied here for the plan's table and the trends. Reviews made
    # before questionnaires were linked carry a typed total and no questionnaire.
    visa_h = models.OneToOneField(
        "assessments.VisaHResponse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="VISA-H questionnaire",
    )
    visa_h_total = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    pain_during_run = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    notes = models.TextField(blank=True)
    # The next review the clinician set at this review (also stored on the plan).
    next_review_on = models.DateField("next review", null=True, blank=True)

    # The suggestion, as the clinician saw it.
    stage_at_review = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    previous_marker_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    weeks_at_stage = models.FloatField()
    decision = models.CharField(max_length=10, choices=Decision)
    suggested_stage = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    reasons = models.JSONField(default=list, blank=True)
    suggestion_notes = models.JSONField(default=list, blank=True)
    run_suggestion = models.JSONField(null=True, blank=True)
    rules_version = models.CharField(max_length=40)

    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(marker_pain__lte=10), name="review_marker_pain_0_10"
            ),
            models.CheckConstraint(
                condition=models.Q(visa_h_total__isnull=True) | models.Q(visa_h_total__lte=100),
                name="review_visa_h_0_100",
            ),
        ]
        indexes = [models.Index(fields=["plan", "-reviewed_on"], name="review_plan_date")]

    def __str__(self) -> str:
        return f"Review on {self.reviewed_on:%Y-%m-%d}: {self.get_decision_display()}"

    @property
    def audit_patient_id(self):
        return self.plan.patient_id

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


class StageChange(models.Model):
    """A plan moving stage, accepted by a clinician from a review's suggestion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(RehabPlan, on_delete=models.PROTECT, related_name="stage_changes")
    review = models.OneToOneField(
        ProgressReview, on_delete=models.PROTECT, related_name="stage_change"
    )
    from_stage = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    to_stage = models.PositiveSmallIntegerField(choices=STAGE_CHOICES)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    history = ChainedHistoricalRecords(chain_by="plan__clinic")

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"Stage {self.from_stage} to {self.to_stage}"
