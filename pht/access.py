"""The one door to patient data.

Every view that touches a patient (and later an assessment or plan) goes through the
helpers here. Lookups are scoped to the signed-in user's active clinic and answer 404 for
anything else, so another clinic's records are indistinguishable from records that do not
exist. Role checks answer 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from pht.models import Membership

if TYPE_CHECKING:
    from assessments.models import Patient

ACTIVE_CLINIC_SESSION_KEY = "active_clinic_id"
_CACHE_ATTR = "_pht_membership"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership the user is working under, or None (anonymous or no clinic).

    A user may belong to several clinics; the session remembers which one is active and
    falls back to the first by clinic name. Cached on the request.
    """
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        memberships = Membership.objects.filter(user=user).select_related("clinic")
        wanted = request.session.get(ACTIVE_CLINIC_SESSION_KEY)
        if wanted:
            membership = memberships.filter(clinic_id=wanted).first()
        if membership is None:
            membership = memberships.order_by("clinic__name").first()
    setattr(request, _CACHE_ATTR, membership)
    return membership


def require_membership(request: HttpRequest) -> Membership:
    """The active membership, or 403 for a user who belongs to no clinic."""
    membership = active_membership(request)
    if membership is None:
        raise PermissionDenied("Your account is not a member of any clinic.")
    return membership


def require_clinic_admin(request: HttpRequest) -> Membership:
    """The active membership when it is a clinic admin's, else 403."""
    membership = require_membership(request)
    if not membership.is_admin:
        raise PermissionDenied("Only a clinic admin can do this.")
    return membership


def patients_for(request: HttpRequest):
    """The patients of the user's active clinic (archived included; callers filter)."""
    from assessments.models import Patient

    membership = require_membership(request)
    return Patient.objects.filter(clinic_id=membership.clinic_id)


def get_patient(request: HttpRequest, patient_id) -> Patient:
    """One patient of the user's clinic, or 404."""
    return get_object_or_404(patients_for(request), pk=patient_id)


def assessments_for(request: HttpRequest):
    """The assessments of the user's active clinic, with the joins every page needs."""
    from assessments.models import Assessment

    membership = require_membership(request)
    return Assessment.objects.filter(clinic_id=membership.clinic_id).select_related(
        "patient", "clinician", "signed_by", "amends"
    )


def get_assessment(request: HttpRequest, assessment_id):
    """One assessment of the user's clinic, or 404."""
    return get_object_or_404(assessments_for(request), pk=assessment_id)


def get_visa_h(request: HttpRequest, response_id):
    """One VISA-H response of the user's clinic, or 404."""
    from assessments.models import VisaHResponse

    membership = require_membership(request)
    return get_object_or_404(
        VisaHResponse.objects.filter(clinic_id=membership.clinic_id).select_related(
            "patient", "assessment", "recorded_by"
        ),
        pk=response_id,
    )


# --- Rehabilitation ---------------------------------------------------------------------


def exercises_for(request: HttpRequest):
    """The library the user's clinic sees: shipped exercises plus the clinic's own."""
    from django.db.models import Q

    from rehab.models import Exercise

    membership = require_membership(request)
    return Exercise.objects.filter(
        Q(clinic__isnull=True) | Q(clinic_id=membership.clinic_id)
    ).prefetch_related("stage_links")


def get_exercise(request: HttpRequest, slug: str):
    """One exercise by slug: shipped, or the clinic's own; another clinic's answers 404.

    A clinic's own slug never repeats a shipped one (rehab.services refuses it), so the
    slug names one exercise.
    """
    return get_object_or_404(exercises_for(request), slug=slug)


def plans_for(request: HttpRequest):
    """The rehab plans of the user's active clinic, with the joins every page needs."""
    from rehab.models import RehabPlan

    membership = require_membership(request)
    return RehabPlan.objects.filter(clinic_id=membership.clinic_id).select_related(
        "patient", "clinic", "assessment", "created_by"
    )


def get_plan(request: HttpRequest, plan_id):
    """One rehab plan of the user's clinic, or 404."""
    return get_object_or_404(plans_for(request), pk=plan_id)


def get_review(request: HttpRequest, review_id):
    """One progress review of the user's clinic, or 404."""
    from rehab.models import ProgressReview

    membership = require_membership(request)
    return get_object_or_404(
        ProgressReview.objects.filter(clinic_id=membership.clinic_id).select_related(
            "plan", "plan__patient", "plan__clinic", "created_by", "accepted_by"
        ),
        pk=review_id,
    )
