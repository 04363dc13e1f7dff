"""Patients (and, later, their assessments and questionnaires)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from assessments import presenter, search
from assessments.reasoning import (
    DETAIL_FIELDS,
    PHT,
    STAGE_NAMES,
    ProvocationResult,
    diagnosis_name,
    screen_state,
    test_columns,
)
from pht.chain import ChainedHistoricalRecords
from pht.models import Clinic


class Patient(models.Model):
    audit_type = "patient"  # the access log's name for this record (pht.audit.viewed)

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        NOT_STATED = "not_stated", "Not stated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    identifier = models.CharField(
        "clinic identifier",
        max_length=40,
        help_text="The clinic's own reference for this patient, e.g. a hospital or chart number.",
    )
    given_name = models.CharField("given name(s)", max_length=100)
    family_name = models.CharField("family name", max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=12, choices=Sex, default=Sex.NOT_STATED)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    notes = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A record merged into another (a patient registered twice): archived, read-only, and
    # pointing to the record that now holds its history (services.merge_patients).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the search box matches (assessments/search.py), kept by the patient service:
    # folded names and identifier ("obrien zoe ns0043") and the phone's national digits.
    search_name = models.TextField(blank=True, editable=False)
    phone_digits = models.CharField(max_length=30, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The search columns are derived from the fields beside them: not part of the record's
    # history (and the hash chain of the rows written before they existed stays valid).
    history = ChainedHistoricalRecords(excluded_fields=["search_name", "phone_digits"])

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "clinic",
                Lower("identifier"),
                name="patient_unique_identifier_per_clinic",
                violation_error_message="Another patient in this clinic already has this identifier.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "family_name", "given_name"], name="patient_clinic_name"
            ),
            # Search by date of birth (assessments/search.py).
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_birth"),
            # The clinic's latest change: the key of its cached possible duplicates.
            models.Index(fields=["clinic", "updated_at"], name="patient_clinic_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.identifier})"

    @property
    def audit_patient_id(self):
        return self.pk

    def refresh_search_columns(self) -> None:
        """Recompute ``search_name`` and ``phone_digits`` from the names, identifier and
        phone (the patient service calls it before every save; bulk loaders too)."""
        self.search_name = search.search_name(
            family_name=self.family_name, given_name=self.given_name, identifier=self.identifier
        )
        self.phone_digits = search.phone_digits(self.phone)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def age_on(self, day) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class NotDuplicate(models.Model):
    """A clinic admin's decision that two records the duplicate check pairs are two people.

    The pair is stored once, in a fixed order (``first`` has the smaller id), and leaves the
    clinic's "possible duplicates" list. Undoing the decision deletes the row; its history
    (who decided, who undid, when) stays in the change log. The relations are hidden
    (``related_name="+"``): merging a record leaves the decisions about it where they were.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    first = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    history = ChainedHistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="not_duplicate_pair_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="not_duplicate_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} is not {self.second_id}"


class Assessment(models.Model):
    """One consultation: the findings recorded, the reasoning shown, the clinician's decision.

    ``findings`` uses the findings vocabulary (docs/findings.md): a key that is absent was not
    asked or not examined; ``False``/``"negative"`` was examined and negative. The evaluation snapshot
    (``evaluated_findings``, ``evaluation``, ``rules_version``) is exactly what the clinician
    saw; a signed assessment keeps it for good. Summary columns (``top_diagnosis``,
    ``stage``, ``post_test_probability``, ``red_flag_urgency``) are copied from the snapshot
    for lists, the dashboard and exports.
    """

    audit_type = "assessment"  # the access log's name for this record (pht.audit.viewed)

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"
        DISCARDED = "discarded", "Discarded"  # an amendment draft given up (audited, kept)

    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BILATERAL = "bilateral", "Bilateral"

    class TestSide(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BOTH = "both", "Both"

    class RedFlagAction(models.TextChoices):
        REFERRAL_MADE = "referral_made", "Referral made"
        OVERRIDE = "override", "Not referred: clinical reason recorded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="assessments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField("date of assessment")
    side = models.CharField("symptomatic side", max_length=10, choices=Side, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)

    findings = models.JSONField(default=dict, blank=True)
    # Answers of a draft that contradict others ({form field: value as entered}): kept so no
    # work is lost, left out of the findings the rules read, and resolved before signing.
    unresolved = models.JSONField(default=dict, blank=True)
    # Per-test detail beside the result in ``findings``: provoked pain 0-10 and side tested.
    puranen_orava_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    puranen_orava_side = models.CharField(max_length=5, choices=TestSide, blank=True)
    bent_knee_stretch_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    bent_knee_stretch_side = models.CharField(max_length=5, choices=TestSide, blank=True)
    modified_bent_knee_stretch_pain = models.PositiveSmallIntegerField(null=True, blank=True)
    modified_bent_knee_stretch_side = models.CharField(max_length=5, choices=TestSide, blank=True)
    pre_test_probability = models.FloatField(
        null=True, blank=True, help_text="Clinician's override of the default pre-test probability."
    )

    # The evaluation snapshot.
    evaluated_findings = models.JSONField(default=dict, blank=True)
    evaluation = models.JSONField(default=dict, blank=True)
    rules_version = models.CharField(max_length=40, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    top_diagnosis = models.CharField(max_length=60, blank=True)
    top_level = models.CharField(max_length=10, blank=True)
    stage = models.CharField(max_length=40, blank=True)
    post_test_probability = models.FloatField(null=True, blank=True)
    red_flag_urgency = models.CharField(max_length=10, blank=True)
    # The red-flag slugs, ";"-joined, so lists and exports never unpack the snapshot.
    red_flags = models.CharField(max_length=300, blank=True)

    # The clinician's decision.
    working_diagnosis = models.CharField(max_length=60, blank=True)
    working_diagnosis_text = models.CharField(max_length=200, blank=True)
    clinical_notes = models.TextField(blank=True)
    plan_notes = models.TextField(blank=True)

    # Sign-off.
    red_flag_action = models.CharField(max_length=20, choices=RedFlagAction, blank=True)
    red_flag_action_note = models.TextField(blank=True)
    # Signed with the red-flag screen incomplete: the clinician's reason, printed on the summary.
    red_flag_screen_reason = models.TextField(
        "reason the red-flag screen was not completed", blank=True
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    # The first version of a corrected assessment; every amendment points to it.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveSmallIntegerField(default=1)
    # Optimistic locking: every save of a draft bumps it; a stale form is refused.
    lock_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [
            models.Index(fields=["patient", "-assessed_on"], name="assessment_patient_date"),
            models.Index(
                fields=["clinic", "status", "-updated_at"], name="assessment_clinic_status"
            ),
            models.Index(fields=["clinic", "-assessed_on"], name="assessment_clinic_date"),
            # The clinic CSV's order, so a 300,000-row export needs no sort.
            models.Index(
                fields=["clinic", "assessed_on", "created_at", "id"], name="assessment_export_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "discarded"])
                | models.Q(signed_at__isnull=False),
                name="assessment_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.patient} on {self.assessed_on:%Y-%m-%d} (v{self.version})"

    @property
    def audit_patient_id(self):
        return self.patient_id

    @property
    def provocation_tests(self) -> tuple[ProvocationResult, ...]:
        """Each pain-provocation test with its result, provoked pain and side together.

        The one reader of the six test columns (``reasoning.test_columns`` is the one writer).
        """
        findings = self.findings or {}
        return (
            ProvocationResult(
                "puranen_orava",
                findings.get("puranen_orava"),
                self.puranen_orava_pain,
                self.puranen_orava_side,
            ),
            ProvocationResult(
                "bent_knee_stretch",
                findings.get("bent_knee_stretch"),
                self.bent_knee_stretch_pain,
                self.bent_knee_stretch_side,
            ),
            ProvocationResult(
                "modified_bent_knee_stretch",
                findings.get("modified_bent_knee_stretch"),
                self.modified_bent_knee_stretch_pain,
                self.modified_bent_knee_stretch_side,
            ),
        )

    def entry_columns(self) -> dict:
        """The columns the consultation form sets, for a copy (an amendment) or a re-entry."""
        details = {name: getattr(self, name) for name in DETAIL_FIELDS}
        return {**details, **test_columns(self.provocation_tests)}

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED

    @property
    def is_discarded(self) -> bool:
        return self.status == self.Status.DISCARDED

    @property
    def needs_red_flag_action(self) -> bool:
        return self.red_flag_urgency in ("emergency", "urgent")

    @property
    def screen_unasked(self) -> list[str]:
        """The red-flag screening questions not answered in the evaluated findings."""
        return screen_state(self.evaluated_findings or self.findings or {})["unasked"]

    @property
    def top_diagnosis_display(self) -> str:
        return diagnosis_name(self.top_diagnosis) if self.top_diagnosis else ""

    @property
    def stage_display(self) -> str:
        """The stored stage, only where a stage belongs: tendinopathy leads and no urgent or
        emergency flag is open (also for assessments stored under earlier rules, which gave a
        stage more often). Read from the summary columns, never the snapshot."""
        if self.top_diagnosis != PHT or self.red_flag_urgency in ("emergency", "urgent"):
            return ""
        return STAGE_NAMES.get(self.stage, "")

    @property
    def working_diagnosis_display(self) -> str:
        """The working diagnosis in words ("" when none), as ``presenter.working_diagnosis``."""
        return presenter.working_diagnosis(self)


class VisaHResponse(models.Model):
    """A completed VISA-H questionnaire (Cacchio et al. 2014), scored by pht.rules.visa_h."""

    audit_type = "visa_h"  # the access log's name for this record (pht.audit.viewed)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visa_h_responses")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="visa_h_responses"
    )
    completed_on = models.DateField()
    answers = models.JSONField()
    total = models.PositiveSmallIntegerField()
    q8_branch = models.CharField(max_length=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = ChainedHistoricalRecords()

    class Meta:
        ordering = ["-completed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "-completed_on"], name="visah_patient_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__lte=100), name="visah_total_0_100"),
        ]

    def __str__(self) -> str:
        return f"VISA-H {self.total}/100 on {self.completed_on:%Y-%m-%d}"

    @property
    def audit_patient_id(self):
        return self.patient_id

    @property
    def is_addendum(self) -> bool:
        """Linked to its assessment after that was signed: shown with the assessment and on
        its summary, while the signed findings stay as they were."""
        if self.assessment_id is None or self.assessment.signed_at is None:
            return False
        return self.created_at > self.assessment.signed_at


class Reevaluation(models.Model):
    """A signed assessment evaluated again under newer rules. The original snapshot stays."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="reevaluations"
    )
    evaluation = models.JSONField()
    rules_version = models.CharField(max_length=40)
    previous_rules_version = models.CharField(max_length=40)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Re-evaluation under {self.rules_version}"


class PatientImport(models.Model):
    """One CSV file of patients brought over from a clinic's previous system.

    Uploaded and checked first (the preview: nothing is written to patients), then, once a
    clinic admin confirms, created in the background by the task queue in chunks: each chunk
    commits its patients, their rows' outcomes and ``processed`` in one transaction, so an
    interrupted import resumes where it stopped (assessments.services.run_patient_import).
    """

    audit_type = "patient_import"  # the access log's name for this record
    audit_patient_id = None  # many patients: the log row names the import, no one patient

    class Status(models.TextChoices):
        PREVIEW = "preview", "Checked, waiting for confirmation"
        QUEUED = "queued", "Waiting to start"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Finished"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Stopped by an error"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patient_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The address of the confirming request, for the access-log rows the import writes.
    committed_from = models.GenericIPAddressField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status, default=Status.PREVIEW)
    include_duplicates = models.BooleanField(default=False)
    # The preview's counts.
    rows_total = models.PositiveIntegerField(default=0)
    rows_new = models.PositiveIntegerField(default=0)
    rows_problem = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_existing = models.PositiveIntegerField(default=0)
    # Progress and result of the commit.
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker's last sign of life (each chunk), shown on the progress page.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["status"], name="patient_import_status")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE or not self.rows_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, self.processed * 100 // self.rows_total)

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.IMPORTING)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED, self.Status.FAILED)


class PatientImportRow(models.Model):
    """One data row of an import: its cleaned values, what the check found, what happened."""

    class Kind(models.TextChoices):
        NEW = "new", "New patient"
        PROBLEM = "problem", "Has problems"
        DUPLICATE = "duplicate", "Possible duplicate"
        EXISTING = "existing", "Already in the clinic"

    class Outcome(models.TextChoices):
        PENDING = "", "Not yet imported"
        CREATED = "created", "Created"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    patient_import = models.ForeignKey(PatientImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row in the spreadsheet: the header is row 1
    values = models.JSONField(default=dict)
    kind = models.CharField(max_length=10, choices=Kind)
    messages = models.JSONField(default=list)
    outcome = models.CharField(max_length=10, choices=Outcome, blank=True, default="")
    message = models.CharField(max_length=300, blank=True)  # why skipped or failed
    identifier_created = models.CharField(max_length=40, blank=True)
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient_import", "number"], name="patient_import_row_unique_number"
            )
        ]
        indexes = [
            models.Index(fields=["patient_import", "outcome", "number"], name="import_row_todo"),
            models.Index(fields=["patient_import", "kind", "number"], name="import_row_kind"),
        ]

    def __str__(self) -> str:
        return f"Row {self.number}"
