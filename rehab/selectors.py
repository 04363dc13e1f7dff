"""Read-side queries for rehab pages. Each returns a bounded, pre-joined result.

The scoped lookups come first: exercises, plans and reviews are read through
``*_for(request)`` / ``get_*_for(request, id)``, kept to the user's active clinic
(``pht.access``); another clinic's records answer 404.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from pht.access import require_membership
from rehab.models import Exercise, ExerciseStage, PlanExercise, ProgressReview, RehabPlan

PLANS_PER_PATIENT = 20
REVIEWS_ON_PLAN_PAGE = 50


def exercises_for(request: HttpRequest) -> QuerySet[Exercise]:
    """The library the user's clinic sees: shipped exercises plus the clinic's own."""
    membership = require_membership(request)
    return Exercise.objects.filter(
        Q(clinic__isnull=True) | Q(clinic_id=membership.clinic_id)
    ).prefetch_related("stage_links")


def get_exercise_for(request: HttpRequest, slug: str) -> Exercise:
    """One exercise by slug: shipped, or the clinic's own; another clinic's answers 404.

    A clinic's own slug never repeats a shipped one (rehab.services refuses it), so the
    slug names one exercise.
    """
    return get_object_or_404(exercises_for(request), slug=slug)


def plans_for(request: HttpRequest) -> QuerySet[RehabPlan]:
    """The rehab plans of the user's active clinic, with the joins every page needs."""
    membership = require_membership(request)
    return RehabPlan.objects.filter(clinic_id=membership.clinic_id).select_related(
        "patient", "clinic", "assessment", "created_by"
    )


def get_plan_for(request: HttpRequest, plan_id) -> RehabPlan:
    """One rehab plan of the user's clinic, or 404."""
    return get_object_or_404(plans_for(request), pk=plan_id)


def get_review_for(request: HttpRequest, review_id) -> ProgressReview:
    """One progress review of the user's clinic, or 404."""
    membership = require_membership(request)
    return get_object_or_404(
        ProgressReview.objects.filter(clinic_id=membership.clinic_id).select_related(
            "plan", "plan__patient", "plan__clinic", "created_by", "accepted_by"
        ),
        pk=review_id,
    )


def plans_for_patient(patient, *, limit: int = PLANS_PER_PATIENT) -> list[RehabPlan]:
    """The patient's plans, newest first, for the record page (``_patient_plans.html``).

    The partial shows dates, stage and review date only, so nothing is joined.
    """
    return list(
        RehabPlan.objects.filter(patient=patient, clinic_id=patient.clinic_id)
        .only("id", "patient_id", "clinic_id", "created_at", "current_stage", "review_date")
        .order_by("-created_at")[:limit]
    )


def filter_library(
    exercises: QuerySet[Exercise], *, stage: int | None, load_type: str
) -> QuerySet[Exercise]:
    exercises = exercises.filter(status=Exercise.Status.ACTIVE)
    if stage is not None:
        exercises = exercises.filter(stage_links__stage=stage)
    if load_type:
        exercises = exercises.filter(load_type=load_type)
    return exercises.distinct().order_by("clinic_id", "order", "name")


def plan_items(plan: RehabPlan) -> list[PlanExercise]:
    return list(
        plan.items.select_related("exercise").prefetch_related(
            Prefetch("exercise__stage_links", queryset=ExerciseStage.objects.order_by("stage"))
        )
    )


def plan_reviews(plan: RehabPlan, *, limit: int = REVIEWS_ON_PLAN_PAGE) -> list[ProgressReview]:
    """The plan's latest reviews, newest first, with the stage change each led to."""
    return list(
        plan.reviews.select_related("created_by", "accepted_by", "stage_change").order_by(
            "-reviewed_on", "-created_at"
        )[:limit]
    )


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    pain: int
    label: str  # e.g. "3 Mar"
    decision: str


@dataclass(frozen=True)
class PainTrend:
    points: tuple[TrendPoint, ...]
    polyline: str
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    plot_width: int
    gridlines: tuple[tuple[int, float], ...]  # (pain value, y)


def pain_trend(reviews: list[ProgressReview], *, width: int = 640, height: int = 240) -> PainTrend:
    """Coordinates for an inline SVG of marker pain over the reviews, oldest on the left.

    Evenly spaced by review (not by date) so that labels never collide.
    """
    left, top, right, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    ordered = sorted(reviews, key=lambda r: (r.reviewed_on, r.created_at))
    step = plot_w / max(len(ordered) - 1, 1)
    points = tuple(
        TrendPoint(
            x=round(left + (index * step if len(ordered) > 1 else plot_w / 2), 1),
            y=round(top + plot_h * (1 - review.marker_pain / 10), 1),
            pain=review.marker_pain,
            label=f"{review.reviewed_on.day} {review.reviewed_on:%b}",
            decision=review.get_decision_display(),
        )
        for index, review in enumerate(ordered)
    )
    return PainTrend(
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        width=width,
        height=height,
        left=left,
        top=top,
        plot_height=plot_h,
        plot_width=plot_w,
        gridlines=tuple((v, round(top + plot_h * (1 - v / 10), 1)) for v in (0, 3, 5, 10)),
    )
