import datetime
import re

from django import forms
from django.utils import timezone

from assessments.models import Patient

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
OLDEST_BIRTH_YEAR = 1900
NOTES_MAX_LENGTH = 5000


class PatientForm(forms.ModelForm):
    """Create or edit a patient, scoped to one clinic.

    A likely duplicate (same names and date of birth in the clinic) is reported before
    anything is saved; the user must confirm that it is a different person.
    """

    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Administrative notes. Clinical findings belong in an assessment.",
    )
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="I have checked: this is a different person from the patient(s) listed above",
    )

    class Meta:
        model = Patient
        fields = [
            "identifier",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "email",
            "phone",
            "notes",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.duplicates: list[Patient] = []
        for name in ("given_name", "family_name", "identifier", "phone"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")

    def _others(self):
        others = Patient.objects.filter(clinic=self.clinic)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        return others

    def clean_identifier(self) -> str:
        identifier = self.cleaned_data["identifier"].strip()
        if not IDENTIFIER_PATTERN.match(identifier):
            raise forms.ValidationError(
                "Use letters, digits, spaces, dots, slashes or hyphens, starting with a letter or digit."
            )
        if self._others().filter(identifier__iexact=identifier).exists():
            raise forms.ValidationError(
                "Another patient in this clinic already has this identifier."
            )
        return identifier

    def clean_date_of_birth(self) -> datetime.date:
        dob = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if dob.year < OLDEST_BIRTH_YEAR:
            raise forms.ValidationError(
                f"Check the year: dates before {OLDEST_BIRTH_YEAR} are not accepted."
            )
        return dob

    def clean(self):
        cleaned = super().clean()
        given, family, dob = (
            cleaned.get(k) for k in ("given_name", "family_name", "date_of_birth")
        )
        if given and family and dob:
            self.duplicates = list(
                self._others().filter(
                    given_name__iexact=given.strip(),
                    family_name__iexact=family.strip(),
                    date_of_birth=dob,
                )[:5]
            )
            if self.duplicates and not cleaned.get("confirm_not_duplicate"):
                self.add_error(
                    "confirm_not_duplicate",
                    "A patient with the same name and date of birth already exists in this clinic. "
                    "Open the existing record instead, or tick the box to confirm this is a different person.",
                )
        return cleaned

    def patient_data(self) -> dict:
        """The cleaned fields that belong on the Patient model."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Search patients",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name or identifier", "autocomplete": "off"}
        ),
    )
    archived = forms.BooleanField(required=False, label="Show archived patients only")
