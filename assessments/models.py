"""Patients (and, later, their assessments and questionnaires)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from pht.models import Clinic


class Patient(models.Model):
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

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
        ]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name} ({self.identifier})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years
