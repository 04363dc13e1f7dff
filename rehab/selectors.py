"""Read-side queries for rehab pages. Each returns a bounded, pre-joined result."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from rehab.models import Exercise, ExerciseStage, PlanExercise, ProgressReview, RehabPlan

PLANS_PER_PATIENT = 20
REVIEWS_ON_PLAN_PAGE = 50


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
