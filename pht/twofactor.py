"""Two-factor sign-in: which second factors a user has, and the services that change them.

A second factor is an authenticator app (django-otp's TOTP device) or a passkey
(django-otp-webauthn's credential). Recovery codes (django-otp's static device, ten single-use
codes) stand in for either when the phone is lost; they are not a factor on their own. These
functions are the only writers of the devices (the passkey views of ``pht.twofactor_views``
let django-otp-webauthn save the credential, then audit it), and every change is written to
the access log with identifiers only.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Count, QuerySet
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pht import audit
from pht.audit import Actor

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Set at log-in for a user with a second factor; cleared once it is given (pht.middleware).
PENDING_SESSION_KEY = "pht_two_factor_pending"
# Recovery codes just made, shown once on the next page and then forgotten.
NEW_CODES_SESSION_KEY = "pht_new_recovery_codes"

TOTP_CODE = re.compile(r"^[0-9]{6}$")
RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")


class NotYours(Exception):
    """The device named does not belong to the user (the views answer 404)."""


# --- What a user has --------------------------------------------------------------------


def authenticator_apps(user) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user=user, confirmed=True)


def passkeys(user) -> QuerySet[WebAuthnCredential]:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def has_second_factor(user) -> bool:
    """True when the user has a confirmed authenticator app or passkey."""
    if not getattr(user, "is_authenticated", False):
        return False
    return authenticator_apps(user).exists() or passkeys(user).exists()


def factor_summary(user) -> str:
    """The user's second factors in words: "Authenticator app, passkey", "2 passkeys", "None"."""
    if not getattr(user, "is_authenticated", False):
        return "None"
    return _summary(authenticator_apps(user).exists(), passkeys(user).count())


def factor_summaries(user_ids) -> dict:
    """``factor_summary`` of many users in two queries (the clinic users page): {id: words}."""
    ids = list(user_ids)
    with_app = set(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
    )
    keys = dict(
        WebAuthnCredential.objects.filter(user_id__in=ids, confirmed=True)
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    return {i: _summary(i in with_app, keys.get(i, 0)) for i in ids}


def _summary(has_app: bool, count: int) -> str:
    parts = []
    if has_app:
        parts.append("Authenticator app")
    if count:
        parts.append("passkey" if count == 1 else f"{count} passkeys")
    if not parts:
        return "None"
    summary = ", ".join(parts)
    return summary[0].upper() + summary[1:]


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_authenticator_app(user) -> TOTPDevice | None:
    """The authenticator app being set up (saved, not yet confirmed with a code)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def secret_in_groups(device: TOTPDevice) -> str:
    """The app's secret as typed by hand: base32 in groups of four ("ABCD EFGH ...")."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def factor_of(user, persistent_id: str) -> Device:
    """The user's confirmed authenticator app or passkey named by ``persistent_id``."""
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if (
        not isinstance(device, TOTPDevice | WebAuthnCredential)
        or device.user_id != user.pk
        or not device.confirmed
    ):
        raise NotYours(persistent_id)
    return device


def describe(device: Device) -> str:
    return "passkey" if isinstance(device, WebAuthnCredential) else "authenticator app"


# --- Log-in -----------------------------------------------------------------------------


def note_second_factor(sender, request, user, **kwargs) -> None:
    """At log-in (session bookkeeping, like the session clock): whether this session still
    owes a second factor, so the middleware needs no query per page for everyone else."""
    if request is not None and hasattr(request, "session") and has_second_factor(user):
        request.session[PENDING_SESSION_KEY] = True


def normalise_code(raw: str) -> str:
    """A typed code without spaces or dashes, lower case: "123 456" and "ABCD-EFGH" work."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def _candidates(user, code: str) -> QuerySet:
    """The devices a code of this shape is for: the app (6 digits) or the recovery codes."""
    if TOTP_CODE.match(code):
        return authenticator_apps(user)
    if RECOVERY_CODE.match(code):
        return StaticDevice.objects.filter(user=user, confirmed=True)
    return StaticDevice.objects.none()


def verify_code(user, raw: str) -> Device | None:
    """The device that accepts ``raw``: a 6-digit code of the user's authenticator app, or one
    of their recovery codes (used up). None when neither does.

    The code's shape picks the device kind, so a recovery code never counts against the
    app's throttle (django-otp slows a device down after each wrong code) and vice versa.
    """
    code = normalise_code(raw)
    for device in _candidates(user, code):
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def slowed_down(user, raw: str) -> bool:
    """True when django-otp refuses codes of this kind for a moment after wrong ones (it waits
    1, 2, 4, 8 ... seconds after each): the code may have been right."""
    return any(
        not device.verify_is_allowed()[0] for device in _candidates(user, normalise_code(raw))
    )


def record_verification(actor: Actor, device: Device) -> None:
    """The access-log row of a sign-in completed with a second factor."""
    kind = "recovery code" if isinstance(device, StaticDevice) else describe(device)
    # No access-log action means "signed in"; "change" (of the session's assurance) is nearest.
    audit.log(actor, "change", object_type="user", detail=f"two-factor sign-in: {kind}")


# --- Enrolment and removal (audited) ------------------------------------------------------


@transaction.atomic
def start_authenticator_app(*, actor: Actor) -> TOTPDevice:
    """Save a new authenticator app, unconfirmed, replacing any earlier unfinished one."""
    TOTPDevice.objects.filter(user=actor.user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor.user, name=TOTP_NAME, confirmed=False)
    audit.log(actor, "create", object_type="user", detail="two-factor: authenticator app started")
    return device


@transaction.atomic
def confirm_authenticator_app(*, actor: Actor, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app being set up with a current code; returns its new recovery codes, or
    None when the code is wrong (nothing changes). An app set up before is replaced."""
    if device.user_id != actor.user.pk or device.confirmed:
        raise NotYours(device.persistent_id)
    token = normalise_code(code)
    if not TOTP_CODE.match(token) or verify_token(actor.user, device.persistent_id, token) is None:
        return None
    TOTPDevice.objects.filter(user=actor.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.log(actor, "create", object_type="user", detail="two-factor: authenticator app added")
    return regenerate_recovery_codes(actor=actor)


@transaction.atomic
def regenerate_recovery_codes(*, actor: Actor) -> list[str]:
    """Ten new single-use recovery codes; any earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=actor.user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    StaticDevice.objects.filter(user=actor.user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit.log(actor, "change", object_type="user", detail="two-factor: new recovery codes")
    return codes


def record_passkey_added(*, actor: Actor) -> None:
    """django-otp-webauthn saved the passkey (pht.twofactor_views): audit it."""
    audit.log(actor, "create", object_type="user", detail="two-factor: passkey added")


def remove_every_factor(user) -> list[str]:
    """Remove all of ``user``'s authenticator apps, passkeys and recovery codes (a clinic
    admin's reset for a lost phone, pht.accounts.reset_second_factor); returns what went."""
    removed = [describe(device) for device in (*authenticator_apps(user), *passkeys(user))]
    TOTPDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    if StaticDevice.objects.filter(user=user).delete()[0]:
        removed.append("recovery codes")
    return removed


@transaction.atomic
def remove_factor(*, actor: Actor, device: Device) -> None:
    """Remove one of the user's authenticator apps or passkeys. With the last one gone, the
    recovery codes go too: they would be a password-only way back in."""
    if device.user_id != actor.user.pk:
        raise NotYours(device.persistent_id)
    kind = describe(device)
    device.delete()
    detail = f"two-factor: {kind} removed"
    if not has_second_factor(actor.user):
        StaticDevice.objects.filter(user=actor.user).delete()
        detail += "; recovery codes removed"
    audit.log(actor, "change", object_type="user", detail=detail)
