"""The access log: who viewed, created, changed, archived or exported which record.

Services log the changes they make (``log``). Every page that shows a patient's data logs one
read through ``viewed`` (exports log their ``export`` row instead); a test walks the URLconf
and proves that each such page writes exactly one row. Entries carry identifiers only. Content
changes are also kept, field by field, by django-simple-history.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Model
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
        return cls(
            user=_signed_in(request), clinic=membership.clinic, ip_address=client_ip(request)
        )


def _signed_in(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def attribute(record: Model, actor: Actor) -> None:
    """Name the actor in the change-history row django-simple-history writes on the record's
    next save (its documented ``_history_user`` hook), in one place for every service."""
    setattr(record, "_history_user", actor.user)  # noqa: B010 (simple-history's own name)


class WrongClinic(PermissionDenied):
    """A service was handed another clinic's record: nothing was written (403 if it escapes).

    A real exception, not an ``assert``, so that ``python -O`` cannot remove the check.
    """


def require_same_clinic(actor: Actor, record, what: str) -> None:
    """Refuse to change ``record`` unless it belongs to the actor's clinic."""
    if record.clinic_id != actor.clinic.pk:
        raise WrongClinic(f"This {what} belongs to another clinic.")


def client_ip(request: HttpRequest) -> str | None:
    """The address a request came from: REMOTE_ADDR, or behind a trusted load balancer
    (``TRUSTED_PROXIES``) the address that balancer appended to X-Forwarded-For.

    Anything a client sends in X-Forwarded-For itself is ignored: the list is read from the
    right, skipping trusted proxies, and the first address that is not one is the client's.
    Also django-axes' client address (``AXES_CLIENT_IP_CALLABLE``), so that lockouts count
    per person and not per load balancer."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([item.strip() for item in forwarded.split(",") if item.strip()]):
        if not _valid_ip(hop):
            break
        if not _trusted(hop):
            return hop
    return remote


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _trusted(address: str | None) -> bool:
    if not address or not _valid_ip(address):
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in settings.TRUSTED_PROXIES)


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


def log_by_command(
    *, clinic: Clinic, command: str, action: str, object_type: str, object_id=None, detail=""
) -> AccessLog:
    """A row for a change made by a management command, where no user is signed in: the
    row names the command (``manage.py createclinic``) instead of a user."""
    return AccessLog.objects.create(
        user=None,
        username=f"manage.py {command}"[:150],
        clinic=clinic,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:200],
    )


class AuditedRecord(Protocol):
    """A record whose pages are access-logged: each model names its log type and patient."""

    @property
    def pk(self) -> Any: ...

    @property
    def audit_type(self) -> str: ...

    @property
    def audit_patient_id(self) -> Any: ...


_VIEWED_ATTR = "_pht_viewed"


def viewed(request: HttpRequest, record: AuditedRecord, *, detail: str = "") -> AccessLog | None:
    """Log that this page shows ``record``: one "view" row per GET (or HEAD) request.

    A form posted back with errors, or a redirect after a change, writes nothing here (the
    service logs the change). A second call in the same request adds nothing, so a page that
    shows a plan and its assessment is still one read.
    """
    if not _first_read(request):
        return None
    return _log_view(Actor.from_request(request), record, detail)


def viewed_list(request: HttpRequest, object_type: str, *, detail: str = "") -> AccessLog | None:
    """``viewed`` for a page that shows many patients' details side by side (the clinic's
    possible duplicates): one "view" row per GET naming the list, no single patient."""
    if not _first_read(request):
        return None
    return log(Actor.from_request(request), "view", object_type=object_type, detail=detail)


def viewed_by_superuser(
    request: HttpRequest, record: AuditedRecord, *, clinic: Clinic, detail: str
) -> AccessLog | None:
    """``viewed`` for Django's admin, whose superusers need not be members of the record's
    clinic: the row is written under the record's clinic."""
    if not _first_read(request):
        return None
    actor = Actor(user=_signed_in(request), clinic=clinic, ip_address=client_ip(request))
    return _log_view(actor, record, detail)


def changed(actor: Actor, action: str, record: AuditedRecord, *, detail: str = "") -> AccessLog:
    """Log a service's change to ``record`` (create, change, archive, restore)."""
    return log(
        actor,
        action,
        object_type=record.audit_type,
        object_id=record.pk,
        patient_id=record.audit_patient_id,
        detail=detail,
    )


def exported(request: HttpRequest, record: AuditedRecord, *, detail: str) -> AccessLog:
    """Log that a file of ``record``'s data left the app (PDF, FHIR, CSV): one "export" row."""
    return log(
        Actor.from_request(request),
        "export",
        object_type=record.audit_type,
        object_id=record.pk,
        patient_id=record.audit_patient_id,
        detail=detail,
    )


def _first_read(request: HttpRequest) -> bool:
    """True once per GET or HEAD request: the read that is logged."""
    if request.method not in ("GET", "HEAD") or getattr(request, _VIEWED_ATTR, False):
        return False
    setattr(request, _VIEWED_ATTR, True)
    return True


def _log_view(actor: Actor, record: AuditedRecord, detail: str) -> AccessLog:
    return log(
        actor,
        "view",
        object_type=record.audit_type,
        object_id=record.pk,
        patient_id=record.audit_patient_id,
        detail=detail,
    )
