"""The clinic CSV's filters: a GET form that validates, so a bad value is a message, not a 500."""

from django import forms
from django.db.models import QuerySet

from pht.models import User

DATE_ORDER = "The 'from' date must be on or before the 'to' date."


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else obj.username


class ExportFilterForm(forms.Form):
    date_from = forms.DateField(
        label="Assessed from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Assessed to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    clinician = ClinicianChoiceField(
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
        empty_label="Every clinician",
        help_text="Only this clinician's assessments.",
    )
    signed_only = forms.BooleanField(
        label="Signed assessments only", required=False, help_text="Leave out drafts."
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the clinic's own members can be chosen: another clinic's username is invalid.
        self.fields["clinician"].queryset = (
            User.objects.filter(memberships__clinic=clinic)
            .order_by("first_name", "last_name", "username")
            .distinct()
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATE_ORDER)
        return cleaned

    def apply(self, assessments: QuerySet) -> QuerySet:
        data = self.cleaned_data
        if data.get("date_from"):
            assessments = assessments.filter(assessed_on__gte=data["date_from"])
        if data.get("date_to"):
            assessments = assessments.filter(assessed_on__lte=data["date_to"])
        if data.get("clinician"):
            assessments = assessments.filter(clinician=data["clinician"])
        if data.get("signed_only"):
            assessments = assessments.filter(status="signed")
        return assessments

    def describe(self) -> str:
        """The filters used, for the audit entry (identifiers only, no patient data)."""
        data = self.cleaned_data
        parts = []
        if data.get("date_from"):
            parts.append(f"from {data['date_from']:%Y-%m-%d}")
        if data.get("date_to"):
            parts.append(f"to {data['date_to']:%Y-%m-%d}")
        if data.get("clinician"):
            parts.append(f"clinician {data['clinician'].username}")
        if data.get("signed_only"):
            parts.append("signed only")
        return ", ".join(parts) or "no filters"
