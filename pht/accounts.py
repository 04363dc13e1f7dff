"""Clinic users: invitations, roles, deactivation and unlocking, by a clinic's admins.

The only writers of users, memberships and invitations (ADR 0002): keyword-only, atomic,
audited through ``pht.audit`` with identifiers only (the membership's UUID or the
invitation's id, the role key). Preconditions are refused with a ``ValidationError`` whose
message the page shows; nothing is changed then.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from pht import access, audit, twofactor
from pht.audit import Actor
from pht.models import Clinic, Invitation, Membership, User

logger = logging.getLogger(__name__)

ALREADY_MEMBER = "This person is already a member of the clinic."
DEACTIVATED_MEMBER = (
    "This person's access to the clinic was ended: reactivate them from the users list instead."
)
ALREADY_INVITED = (
    "An invitation to this address is waiting to be accepted: send a new link from the users "
    "list instead."
)
NOT_YOURSELF = "You cannot {what} yourself: ask another clinic admin."
LAST_ADMIN = "The clinic needs at least one active clinic admin: make someone else one first."
NOT_PENDING = "This invitation was already used or revoked."
NOT_USABLE = "This invitation link is no longer valid."
USERNAME_TAKEN = "This username is taken: choose another."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=settings.INVITATION_DAYS)


# --- lookups ------------------------------------------------------------------------------


def get_membership_for(request: HttpRequest, membership_id) -> Membership:
    """A membership of the clinic admin's active clinic, else 404 (then 403 for a clinician)."""
    clinic_id = access.require_membership(request).clinic_id
    membership = (
        Membership.objects.select_related("user", "clinic")
        .filter(uuid=membership_id, clinic_id=clinic_id)
        .first()
    )
    if membership is None:
        raise Http404("No such member of this clinic.")
    access.require_clinic_admin(request)
    return membership


def get_invitation_for(request: HttpRequest, invitation_id) -> Invitation:
    clinic_id = access.require_membership(request).clinic_id
    invitation = Invitation.objects.filter(pk=invitation_id, clinic_id=clinic_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    access.require_clinic_admin(request)
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to (used, revoked and expired ones included)."""
    if not token or len(token) > 200:
        return None
    return Invitation.objects.select_related("clinic").filter(token_hash=token_hash(token)).first()


def reset_allowed(email: str, ip_address: str | None) -> bool:
    """Count a password-reset request for this address and network address in the cache
    (shared between app servers when REDIS_URL is set); False once either has reached its
    hourly ceiling (pht.account_views.PasswordResetView)."""
    limit = settings.PASSWORD_RESET_LIMIT
    keys = {
        f"pht-reset-email-{token_hash(email.strip().lower())}": limit,
        f"pht-reset-ip-{ip_address or 'unknown'}": limit * 10,
    }
    allowed = True
    for key, ceiling in keys.items():
        cache.add(key, 0, timeout=60 * 60)
        if cache.incr(key) > ceiling:
            allowed = False
    return allowed


def existing_account(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).order_by("pk").first()


@dataclass(frozen=True)
class Member:
    """A row of the clinic users page."""

    membership: Membership
    locked_out: bool
    second_factor: str  # "Authenticator app, passkey", or "None"

    @property
    def status(self) -> str:
        if not self.membership.is_active:
            return "Deactivated"
        if self.locked_out:
            return "Locked out"
        return "Active"


def locked_out_usernames(usernames) -> set[str]:
    """Who django-axes refuses now: the failure limit reached within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=since,
        ).values_list("username", flat=True)
    )


def clinic_members(clinic: Clinic) -> list[Member]:
    memberships = list(
        Membership.objects.filter(clinic=clinic)
        .select_related("user")
        .order_by("deactivated_at", "user__first_name", "user__last_name", "user__username")
    )
    locked = locked_out_usernames(m.user.username for m in memberships)
    factors = twofactor.factor_summaries(m.user_id for m in memberships)
    return [
        Member(
            membership=m,
            locked_out=m.user.username in locked,
            second_factor=factors[m.user_id],
        )
        for m in memberships
    ]


def pending_invitations(clinic: Clinic) -> list[Invitation]:
    return list(
        Invitation.objects.filter(clinic=clinic, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )


# --- invitations --------------------------------------------------------------------------


def _refuse_existing_member(clinic: Clinic, email: str) -> None:
    membership = Membership.objects.filter(clinic=clinic, user__email__iexact=email).first()
    if membership is not None:
        raise ValidationError(ALREADY_MEMBER if membership.is_active else DEACTIVATED_MEMBER)
    pending = Invitation.objects.filter(
        clinic=clinic,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError(ALREADY_INVITED)


def _create_invitation(
    *, clinic: Clinic, email: str, role: str, invited_by: User | None, first_name="", last_name=""
) -> tuple[Invitation, str]:
    token, hashed = _new_token()
    invitation = Invitation.objects.create(
        clinic=clinic,
        email=email,
        role=role,
        first_name=first_name,
        last_name=last_name,
        token_hash=hashed,
        invited_by=invited_by,
        expires_at=_expiry(),
    )
    return invitation, token


@transaction.atomic
def invite(
    *, actor: Actor, email: str, role: str, first_name: str = "", last_name: str = ""
) -> tuple[Invitation, str]:
    """Invite someone to the actor's clinic; returns the invitation and its raw token (shown
    once, sent by e-mail; only its hash is kept)."""
    if role not in Membership.Role.values:
        raise ValidationError("Choose a role.")
    # Serialise invitations of one clinic so two at once cannot both pass the checks.
    Clinic.objects.select_for_update().get(pk=actor.clinic.pk)
    _refuse_existing_member(actor.clinic, email)
    invitation, token = _create_invitation(
        clinic=actor.clinic,
        email=email,
        role=role,
        invited_by=actor.user,
        first_name=first_name,
        last_name=last_name,
    )
    audit.log(
        actor, "invite", object_type="invitation", object_id=invitation.pk, detail=f"role: {role}"
    )
    return invitation, token


def _locked_pending(actor: Actor, invitation: Invitation) -> Invitation:
    audit.require_same_clinic(actor, invitation, "invitation")
    stored = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not stored.is_pending:
        raise ValidationError(NOT_PENDING)
    return stored


@transaction.atomic
def renew_invitation(*, actor: Actor, invitation: Invitation) -> tuple[Invitation, str]:
    """A new link for a pending invitation (the old link stops working), valid for another
    ``INVITATION_DAYS``."""
    stored = _locked_pending(actor, invitation)
    token, stored.token_hash = _new_token()
    stored.expires_at = _expiry()
    stored.save(update_fields=["token_hash", "expires_at"])
    audit.log(
        actor,
        "invite",
        object_type="invitation",
        object_id=stored.pk,
        detail=f"role: {stored.role}; new link",
    )
    return stored, token


@transaction.atomic
def revoke_invitation(*, actor: Actor, invitation: Invitation) -> Invitation:
    stored = _locked_pending(actor, invitation)
    stored.revoked_at = timezone.now()
    stored.save(update_fields=["revoked_at"])
    audit.log(actor, "revoke", object_type="invitation", object_id=stored.pk)
    return stored


def send_invitation(*, invitation: Invitation, link: str) -> bool:
    """The invitation e-mail (Django's ``send_mail``, the mailer of ``EMAIL_URL``). False when
    it could not be handed to the mail server: the link is shown to the admin anyway."""
    context = {"invitation": invitation, "link": link, "days": settings.INVITATION_DAYS}
    try:
        send_mail(
            subject=f"You are invited to {invitation.clinic.name} on PHT Clinic",
            message=render_to_string("registration/invitation_email.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (OSError, smtplib.SMTPException):
        # The address is not logged (personal data); the invitation's id is enough.
        logger.warning("Could not send the e-mail of invitation %s", invitation.pk)
        return False
    return True


def _claim(invitation: Invitation) -> Invitation:
    stored = Invitation.objects.select_for_update().select_related("clinic").get(pk=invitation.pk)
    if not stored.is_usable:
        raise ValidationError(NOT_USABLE)
    return stored


def _join(stored: Invitation, user: User, ip_address: str | None) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, clinic=stored.clinic, defaults={"role": stored.role}
    )
    stored.accepted_at = timezone.now()
    stored.accepted_by = user
    stored.save(update_fields=["accepted_at", "accepted_by"])
    audit.log(
        Actor(user=user, clinic=stored.clinic, ip_address=ip_address),
        "join",
        object_type="membership",
        object_id=membership.uuid,
        detail=f"role: {membership.role}; invitation {stored.pk}",
    )
    return membership


@transaction.atomic
def accept_invitation(
    *,
    invitation: Invitation,
    username: str,
    password: str,
    first_name: str,
    last_name: str,
    ip_address: str | None = None,
) -> User:
    """Create the invited person's account and membership (one transaction), use up the
    invitation and log the joining."""
    stored = _claim(invitation)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": USERNAME_TAKEN})
    user = User(username=username, email=stored.email, first_name=first_name, last_name=last_name)
    user.set_password(password)
    user.save()
    _join(stored, user, ip_address)
    return user


@transaction.atomic
def accept_invitation_as(
    *, invitation: Invitation, user: User, ip_address: str | None = None
) -> Membership:
    """Add the membership to an existing account (signed in, the invitation's address)."""
    stored = _claim(invitation)
    if user.email.lower() != stored.email.lower():
        raise ValidationError("This invitation was sent to another address.")
    if Membership.objects.filter(user=user, clinic=stored.clinic).exists():
        raise ValidationError(ALREADY_MEMBER)
    return _join(stored, user, ip_address)


# --- members ------------------------------------------------------------------------------


def _locked_member(actor: Actor, membership: Membership, what: str) -> Membership:
    audit.require_same_clinic(actor, membership, "membership")
    if membership.user_id == actor.user.pk:
        raise ValidationError(NOT_YOURSELF.format(what=what))
    # Lock the clinic's admins so two admins demoting each other at once leave one.
    list(
        Membership.objects.select_for_update().filter(
            clinic=actor.clinic, role=Membership.Role.CLINIC_ADMIN
        )
    )
    return Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)


def _refuse_last_admin(membership: Membership) -> None:
    if not (membership.is_admin and membership.is_active):
        return
    others = Membership.objects.filter(
        clinic_id=membership.clinic_id,
        role=Membership.Role.CLINIC_ADMIN,
        deactivated_at__isnull=True,
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError(LAST_ADMIN)


def _log_member(actor: Actor, action: str, membership: Membership, detail: str = "") -> None:
    audit.log(actor, action, object_type="membership", object_id=membership.uuid, detail=detail)


@transaction.atomic
def change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError("Choose a role.")
    stored = _locked_member(actor, membership, "change the role of")
    if stored.role == role:
        return stored
    if role != Membership.Role.CLINIC_ADMIN:
        _refuse_last_admin(stored)
    stored.role = role
    stored.save(update_fields=["role"])
    _log_member(actor, "role", stored, f"role: {role}")
    return stored


@transaction.atomic
def deactivate(*, actor: Actor, membership: Membership) -> Membership:
    """End the person's access to this clinic now: their open sessions end at their next
    request (``User.sessions_ended_at``), and without another active membership the account
    itself is made inactive; with one, ``pht.access`` no longer offers this clinic."""
    stored = _locked_member(actor, membership, "deactivate")
    if not stored.is_active:
        return stored
    _refuse_last_admin(stored)
    stored.deactivated_at = timezone.now()
    stored.save(update_fields=["deactivated_at"])
    user = stored.user
    still_member = Membership.objects.filter(user=user, deactivated_at__isnull=True).exists()
    user.sessions_ended_at = timezone.now()
    fields = ["sessions_ended_at"]
    if not still_member and user.is_active:
        user.is_active = False
        fields.append("is_active")
    user.save(update_fields=fields)
    _log_member(actor, "deactivate", stored)
    return stored


@transaction.atomic
def reactivate(*, actor: Actor, membership: Membership) -> Membership:
    stored = _locked_member(actor, membership, "reactivate")
    if stored.is_active:
        return stored
    stored.deactivated_at = None
    stored.save(update_fields=["deactivated_at"])
    if not stored.user.is_active:
        stored.user.is_active = True
        stored.user.save(update_fields=["is_active"])
    _log_member(actor, "reactivate", stored)
    return stored


@transaction.atomic
def unlock(*, actor: Actor, membership: Membership) -> int:
    """Clear django-axes' failed log-ins for this person (every address); returns how many
    records were removed."""
    audit.require_same_clinic(actor, membership, "membership")
    removed = axes_reset(username=membership.user.username)
    _log_member(actor, "unlock", membership)
    return removed


@transaction.atomic
def reset_second_factor(*, actor: Actor, membership: Membership) -> list[str]:
    """Remove a member's second factors (a lost or replaced phone), so they sign in with their
    password and set up a new one (at once, where the clinic requires it). Their factors are
    theirs, not the clinic's: the reset applies in every clinic they work in. An admin resets
    their own factors on their own two-factor page instead."""
    if membership.user_id == actor.user.pk:
        raise ValidationError(
            "Manage your own second factor from your account menu (Two-factor sign-in)."
        )
    stored = _locked_member(actor, membership, "reset")
    removed = twofactor.remove_every_factor(stored.user)
    if not removed:
        raise ValidationError(f"{stored.user} has no second factor to reset.")
    # A session on the lost phone's browser ends too.
    stored.user.sessions_ended_at = timezone.now()
    stored.user.save(update_fields=["sessions_ended_at"])
    _log_member(actor, "change", stored, detail="two-factor reset")
    return removed


# --- the clinic and its first admin (manage.py createclinic) --------------------------------


@transaction.atomic
def create_clinic(
    *, name: str, admin_email: str, identifier_prefix: str = ""
) -> tuple[Clinic, Invitation, str]:
    """A new clinic and the invitation of its first clinic admin (the production bootstrap).
    Logged as done by the command, there being no user yet."""
    if Clinic.objects.filter(name__iexact=name).exists():
        raise ValidationError(f"A clinic named {name!r} already exists.")
    clinic = Clinic.objects.create(name=name, identifier_prefix=identifier_prefix)
    audit.log_by_command(
        clinic=clinic,
        command="createclinic",
        action="create",
        object_type="clinic",
        object_id=clinic.pk,
    )
    invitation, token = _create_invitation(
        clinic=clinic, email=admin_email, role=Membership.Role.CLINIC_ADMIN, invited_by=None
    )
    audit.log_by_command(
        clinic=clinic,
        command="createclinic",
        action="invite",
        object_type="invitation",
        object_id=invitation.pk,
        detail="role: clinic_admin",
    )
    return clinic, invitation, token
