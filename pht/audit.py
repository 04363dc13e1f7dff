"""The access log: who viewed, created, changed, archived or exported which record.

Views log reads and exports; services log the changes they make. Entries carry
identifiers only. Content changes are also kept, field by field, by django-simple-history.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from pht.access import require_membership
from pht.models import AccessLog, Clinic, User


@dataclass(frozen=True)
class Actor:
    """Who is acting, for which clinic, from where: what services need to audit a change."""

    user: User
    clinic: Clinic
    ip_address: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        membership = require_membership(request)
        return cls(user=request.user, clinic=membership.clinic, ip_address=client_ip(request))


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites
    # it, and a proxy deployment sets REMOTE_ADDR through its own server configuration.
    return request.META.get("REMOTE_ADDR") or None


def log(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id=None,
    patient_id=None,
    detail: str = "",
) -> AccessLog:
    return AccessLog.objects.create(
        user=actor.user,
        username=actor.user.get_username(),
        clinic=actor.clinic,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        ip_address=actor.ip_address,
        detail=detail[:200],
    )
