"""Read-side queries for rehab pages. Each returns a bounded, pre-joined result.

The scoped lookups come first: exercises, plans and reviews are read through
``*_for(request)`` / ``get_*_for(request, id)``, kept to the user's active clinic
(``pht.access``); another clinic's records answer 404.
"""

import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from assessments import charts
from assessments.models import VisaHResponse
from assessments.selectors import Measurement
from pht.access import require_membership
from pht.rules import rehab as rules
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


def pain_trend(reviews: list[ProgressReview]) -> charts.Chart:
    """Marker pain (0-10) at each review, oldest on the left, with the acceptable limit."""
    ordered = sorted(reviews, key=lambda r: (r.reviewed_on, r.created_at))
    return charts.line_chart(
        "Marker-test pain at each review (0-10)",
        "/10",
        [review.reviewed_on for review in ordered],
        [("Marker pain", "square", [review.marker_pain for review in ordered])],
        10,
        limit=(
            rules.ACCEPTABLE_MARKER_PAIN,
            f"acceptable limit ({rules.ACCEPTABLE_MARKER_PAIN}/10)",
        ),
    )


QUESTIONNAIRES_OFFERED = 10


def questionnaires_for_review(plan: RehabPlan) -> QuerySet[VisaHResponse]:
    """The patient's VISA-H questionnaires a review of ``plan`` may use, newest first:
    completed since the plan started, and used by no assessment and no review."""
    used = ProgressReview.objects.filter(visa_h__isnull=False).values("visa_h_id")
    available = VisaHResponse.objects.filter(
        patient_id=plan.patient_id,
        clinic_id=plan.clinic_id,
        assessment__isnull=True,
        completed_on__gte=plan.created_at.date(),
    ).exclude(pk__in=used)
    ids = list(
        available.order_by("-completed_on", "-created_at").values_list("pk", flat=True)[
            :QUESTIONNAIRES_OFFERED
        ]
    )
    return VisaHResponse.objects.filter(pk__in=ids).order_by("-completed_on", "-created_at")


REVIEWS_DUE_LIMIT = 10


def reviews_due(clinic_id, *, today: datetime.date, limit: int = REVIEWS_DUE_LIMIT):
    """The clinic's plans whose review date is today or past, most overdue first.

    Only each patient's latest plan counts (an older plan is superseded by a newer one), and
    archived patients are left out. One query; ``limit + 1`` rows tell whether more are due.
    """
    newer = RehabPlan.objects.filter(
        patient_id=OuterRef("patient_id"), created_at__gt=OuterRef("created_at")
    )
    return list(
        RehabPlan.objects.filter(
            clinic_id=clinic_id, review_date__lte=today, patient__archived_at__isnull=True
        )
        .exclude(Exists(newer))
        .select_related("patient")
        .only(
            "id",
            "patient_id",
            "current_stage",
            "review_date",
            "created_at",
            "patient__id",
            "patient__given_name",
            "patient__family_name",
            "patient__archived_at",
        )
        .order_by("review_date", "patient__family_name", "patient__given_name")[: limit + 1]
    )


VISIT_PLANS = 3
VISIT_REVIEW_DAYS = 14


def review_visits(patient, *, today: datetime.date) -> dict:
    """The progress reviews a new VISA-H questionnaire may belong to (the VISA-H form asks):
    the next review of each of the patient's latest plans, and recent reviews recorded
    without a VISA-H. Two queries."""
    plans = list(
        RehabPlan.objects.filter(patient_id=patient.pk, clinic_id=patient.clinic_id)
        .only("id", "patient_id", "clinic_id", "created_at", "current_stage", "review_date")
        .order_by("-created_at")[:VISIT_PLANS]
    )
    reviews = list(
        ProgressReview.objects.filter(
            plan__in=plans,
            visa_h__isnull=True,
            visa_h_total__isnull=True,
            reviewed_on__gte=today - datetime.timedelta(days=VISIT_REVIEW_DAYS),
        )
        .only("id", "plan_id", "reviewed_on", "created_at", "marker_pain")
        .order_by("-reviewed_on", "-created_at")[:VISIT_PLANS]
    )
    return {"plans": plans, "reviews": reviews}


def review_of_questionnaire(response) -> ProgressReview | None:
    """The progress review that uses a VISA-H questionnaire (same clinic), or None."""
    return (
        ProgressReview.objects.filter(visa_h_id=response.pk, clinic_id=response.clinic_id)
        .only("id", "reviewed_on")
        .first()
    )


REVIEWS_IN_TRENDS = 30


def review_measurements(patient) -> tuple[list, list[ProgressReview]]:
    """The patient's latest reviews (all plans, one query) as the record's trend measurements,
    and the reviews themselves (oldest first) for the marker-pain chart. A review's VISA-H
    counts here only when typed in (older reviews): a linked questionnaire is already among
    the record's questionnaires."""
    reviews = list(
        ProgressReview.objects.filter(plan__patient_id=patient.pk, clinic_id=patient.clinic_id)
        .only(
            "id",
            "plan_id",
            "reviewed_on",
            "created_at",
            "marker_pain",
            "sitting_tolerance_min",
            "visa_h_id",
            "visa_h_total",
        )
        .order_by("-reviewed_on", "-created_at")[:REVIEWS_IN_TRENDS]
    )
    measurements = [
        Measurement(
            review.reviewed_on,
            review.created_at,
            "Progress review",
            marker_pain=review.marker_pain,
            sitting=review.sitting_tolerance_min,
            visa_h=review.visa_h_total if review.visa_h_id is None else None,
        )
        for review in reviews
    ]
    return measurements, reviews
