"""Who works where: users, clinics, memberships (roles) and the access log."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from pht.chain import ChainedHistoricalRecords, HashChained


class User(AbstractUser):
    """The project's user model, custom from the start so it can grow without a migration saga."""

    # Sessions signed in before this moment are ended at their next request
    # (pht.middleware.SessionTimeout): set when a clinic admin deactivates the person or resets
    # their second factor, so a session on a leaver's or a lost phone's browser does not come
    # back to life if the account is reactivated.
    sessions_ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Clinic(models.Model):
    """A clinic: its name and contact details (printed on handouts and letters) and how its
    patient identifiers are numbered. A clinic admin edits them on /clinic/settings/."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True, help_text="Printed as typed, one line per line.")
    email = models.EmailField(blank=True)
    # New patients are proposed "<prefix>-<number>", e.g. NS-0043 (identifier_for).
    identifier_prefix = models.CharField("identifier prefix", max_length=10, blank=True)
    next_identifier_number = models.PositiveIntegerField("next number", default=1)
    # Everyone working in the clinic signs in with a second factor (pht.middleware).
    require_two_factor = models.BooleanField("require two-factor sign-in", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    # A clinic's own history is on the clinic's chain (pht.chain).
    history = ChainedHistoricalRecords(chain_by="id")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier_for_next(self) -> str:
        return self.identifier_for(self.next_identifier_number)

    def identifier_for(self, number: int) -> str:
        """The patient identifier with this number: ``NS-0043``, or ``0043`` without a prefix."""
        return (
            f"{self.identifier_prefix}-{number:04d}" if self.identifier_prefix else f"{number:04d}"
        )


class Membership(models.Model):
    """A user's role in one clinic. Every patient lookup is scoped through it."""

    class Role(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role, default=Role.CLINICIAN)
    created_at = models.DateTimeField(auto_now_add=True)
    # In URLs of the clinic users page (never the sequential id).
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set when a clinic admin ends the person's access to this clinic (pht.accounts).
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"], name="membership_unique_user_clinic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.clinic} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.CLINIC_ADMIN

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


class Invitation(models.Model):
    """An invitation to join a clinic, sent by a clinic admin (or ``manage.py createclinic``).

    Only the SHA-256 of the link's token is stored: whoever reads the database cannot accept
    an invitation. Single use (``accepted_at``), expiring, revocable.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(
        max_length=20, choices=Membership.Role, default=Membership.Role.CLINICIAN
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.clinic} ({self.get_role_display()})"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_usable(self) -> bool:
        return self.is_pending and self.expires_at > timezone.now()


class AccessLog(HashChained):
    """Who viewed, created, changed, archived or exported which record, when, from where.

    Rows hold identifiers only, never names or clinical content. Changes to the content
    itself are kept by django-simple-history on each clinical model. Append-only and
    hash-chained, one chain per clinic (pht.chain); ``manage.py verify_audit`` checks them.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        ARCHIVE = "archive", "Archived"
        RESTORE = "restore", "Restored"
        EXPORT = "export", "Exported"
        # Clinic users (pht.accounts): object_type "invitation" or "membership".
        INVITE = "invite", "Invited"
        REVOKE = "revoke", "Revoked an invitation"
        JOIN = "join", "Joined"
        ROLE = "role", "Changed a role"
        DEACTIVATE = "deactivate", "Deactivated"
        REACTIVATE = "reactivate", "Reactivated"
        UNLOCK = "unlock", "Unlocked"

    # A default, not auto_now_add: the value must be set before the row is hashed.
    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action)
    object_type = models.CharField(max_length=40)
    object_id = models.UUIDField(null=True, blank=True)
    # The patient the record belongs to, so a record page can show its own trail.
    # Deliberately not a foreign key: audit rows outlive and never cascade with records.
    patient_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient_id", "-at"], name="accesslog_patient_at"),
            # Each row's predecessor: the last row of its clinic's chain (pht.chain).
            models.Index(fields=["chain_key", "id"], name="accesslog_chain"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"


class ChainAnchor(HashChained):
    """The head of one audit chain (a table and a clinic's chain key) at one moment: its last
    row's pk, how many rows the chain had up to it, and that row's hash (pht/anchors.py).

    ``verify_audit`` fails when a chain no longer reaches its latest anchor: the newest rows of
    a chain were removed. Append-only and itself hash-chained, on the shared chain.
    """

    chain_by = ""  # every anchor is on the shared chain (pht.chain.SHARED_CHAIN)

    at = models.DateTimeField(default=timezone.now, editable=False)
    table = models.CharField(max_length=100)  # the chained model's label, e.g. "pht.AccessLog"
    chain = models.UUIDField()  # the anchored chain's key: a clinic's pk, or the shared chain
    last_pk = models.BigIntegerField()
    rows = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["chain_key", "id"], name="chainanchor_chain"),
            models.Index(fields=["table", "chain", "-id"], name="chainanchor_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.table} {self.chain} {self.head_hash[:16]}"


class Submission(models.Model):
    """A form that was submitted and saved: its key, who sent it, where its result is.

    Each form carries a fresh random key (``{% submission_key %}``, pht/submissions.py). The
    first submission of a key is saved and remembered here; a second one (a double click, a
    resend after a slow answer) is sent to the first one's result instead of saving again.
    Rows expire after ``pht.submissions.KEY_LIFETIME``. Not clinical data and not audited:
    the access log records the change itself.
    """

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)  # where the form was posted
    result_url = models.CharField(max_length=500)  # where its answer redirected
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.key} -> {self.result_url}"
