"""Memberships, the active clinic and role checks: who is working for which clinic, as what.

The project package knows clinics and roles, never patients. Each app's ``selectors.py`` scopes
its own lookups to the clinic returned here (``assessments.selectors.get_patient_for``,
``rehab.selectors.get_plan_for`` ...), answering 404 for another clinic's records; the role
checks here answer 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from pht.models import Membership

ACTIVE_CLINIC_SESSION_KEY = "active_clinic_id"
_CACHE_ATTR = "_pht_membership"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership the user is working under, or None (anonymous or no clinic).

    A user may belong to several clinics; the session remembers which one is active and
    falls back to the first by clinic name. A membership a clinic admin deactivated counts
    for nothing. Cached on the request.
    """
    if hasattr(request, _CACHE_ATTR):
        return getattr(request, _CACHE_ATTR)
    membership = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        memberships = Membership.objects.filter(
            user=user, deactivated_at__isnull=True
        ).select_related("clinic")
        wanted = request.session.get(ACTIVE_CLINIC_SESSION_KEY)
        if wanted:
            membership = memberships.filter(clinic_id=wanted).first()
        if membership is None:
            membership = memberships.order_by("clinic__name").first()
    setattr(request, _CACHE_ATTR, membership)
    return membership


def memberships_of(user) -> list[Membership]:
    """Every clinic the user works in, by clinic name (for the clinic switcher)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, deactivated_at__isnull=True)
        .select_related("clinic")
        .order_by("clinic__name")
    )


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


def is_clinic_admin(user, clinic_id) -> bool:
    """Whether ``user`` is a clinic admin of that clinic (services check roles with it)."""
    return Membership.objects.filter(
        user=user, clinic_id=clinic_id, role=Membership.Role.CLINIC_ADMIN
    ).exists()
