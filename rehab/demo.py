"""Demo rehab plans for ``seed_demo``: plans at different stages, with reviews.

Everything goes through ``rehab.services``, so the demo data is exactly what the app
would store. Idempotent: a patient who already has a plan is skipped.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment
from pht.audit import Actor
from rehab import services
from rehab.models import Exercise

# The stage each demo plan should reach, in patient order.
DEMO_TARGET_STAGES = (1, 2, 4)
WEEKS_PER_STEP = 2
DEMO_EXERCISES_PER_PLAN = 4

# A review that allows progress, and one that holds (marker pain above 3/10).
_PROGRESS = {
    "marker_pain": 2,
    "response_24h": "same",
    "sitting_tolerance_min": 45,
    "adherence": "full",
    "visa_h_total": None,
    "pain_during_run": None,
    "notes": "Demo review.",
}
_HOLD = {**_PROGRESS, "marker_pain": 4, "response_24h": "same", "sitting_tolerance_min": 25}


# The demo patients who get a plan. Named, so that re-running seed_demo adds nothing once
# they have one, and so that a clinic with many patients (seed_scale) is never scanned.
DEMO_PLAN_PATIENTS = ("DPC-1001", "DPC-1002", "DPC-1003")


def _candidates(clinic):
    """Latest signed assessment with PHT in play (a tendon stage) per patient, no plan yet."""
    assessments = (
        Assessment.objects.filter(
            clinic=clinic,
            status=Assessment.Status.SIGNED,
            patient__identifier__in=DEMO_PLAN_PATIENTS,
        )
        .exclude(stage="")
        .filter(patient__archived_at__isnull=True, patient__rehab_plans__isnull=True)
        .select_related("patient")
        .order_by("patient__identifier", "-assessed_on", "-created_at")
    )
    seen, chosen = set(), []
    for assessment in assessments:
        if assessment.patient_id not in seen:
            seen.add(assessment.patient_id)
            chosen.append(assessment)
    return chosen


@transaction.atomic
def seed_demo_plans(*, clinic, clinician) -> int:
    """Give up to three demo patients a plan (stages 1, 2 and 4). Returns plans created."""
    actor = Actor(clinician, clinic)
    library = list(Exercise.objects.filter(clinic__isnull=True).prefetch_related("stage_links"))
    today = timezone.localdate()
    created = 0
    for assessment, target in zip(_candidates(clinic), DEMO_TARGET_STAGES, strict=False):
        steps = target - 1  # every demo plan starts at stage 1 and progresses
        started = today - datetime.timedelta(weeks=WEEKS_PER_STEP * (steps + 1))
        plan = _plan(actor, assessment, library, stage=1, started_on=started)
        day = started
        for _ in range(steps):
            day += datetime.timedelta(weeks=WEEKS_PER_STEP)
            review = services.record_review(
                actor=actor, plan=plan, data={**_PROGRESS, "reviewed_on": day}
            )
            services.accept_review(actor=actor, review=review)
            plan.refresh_from_db()
            _refresh_exercises(actor, plan, library)
        final = {**(_HOLD if target == 1 else _PROGRESS), "reviewed_on": today}
        if plan.is_return_to_running:
            final["pain_during_run"] = 2
        services.record_review(actor=actor, plan=plan, data=final)
        created += 1
    return created


def _plan(actor, assessment, library, *, stage, started_on):
    proposal = services.propose(
        assessment=assessment, library=library, goals_need_running=True, stage=stage
    )
    return services.create_plan(
        actor=actor,
        assessment=assessment,
        stage=stage,
        goals_need_running=True,
        review_date=timezone.localdate() + datetime.timedelta(weeks=WEEKS_PER_STEP),
        items=[
            services.PlanItem(exercise=exercise, dosage=exercise.dosage)
            for exercise in proposal.exercises[:DEMO_EXERCISES_PER_PLAN]
        ],
        notes="Demo plan.",
        started_on=started_on,
    )


def _refresh_exercises(actor, plan, library):
    """After a stage change, swap in the new stage's exercises, as a clinician would."""
    proposal = services.propose(
        assessment=plan.assessment,
        library=library,
        goals_need_running=plan.goals_need_running,
        stage=plan.current_stage,
    )
    services.update_plan(
        actor=actor,
        plan=plan,
        goals_need_running=plan.goals_need_running,
        review_date=plan.review_date,
        items=[
            services.PlanItem(exercise=exercise, dosage=exercise.dosage)
            for exercise in proposal.exercises[:DEMO_EXERCISES_PER_PLAN]
        ],
        notes=plan.notes,
        lock_version=plan.lock_version,
    )
