"""Forms of the project pages (clinic settings) and the date widget every app can use."""

import re

from django import forms

from pht.models import Clinic

PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9]{1,10}$")
MAX_IDENTIFIER_NUMBER = 99_999_999


class DayFirstDateInput(forms.DateInput):
    """A typed date shown day first (14/03/1988), as a UK clinic writes it.

    ``<input type=date>`` shows its value in the browser's own locale, which the page cannot
    set: the Chromium of the test machine showed 03/14/1988 however the page, the request
    and the browser were told the language was en-GB (docs/dates.md). The accepted input
    formats are the locale's (``pht/formats/en_GB``): 14/03/1988, 14.03.1988, 14-03-1988,
    14 Mar 1988, 14 March 1988 and 1988-03-14.
    """

    def __init__(self, attrs=None):
        defaults = {"placeholder": "dd/mm/yyyy", "autocomplete": "off", "spellcheck": "false"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")


NUMBER_RANGE = f"Give a whole number from 1 to {MAX_IDENTIFIER_NUMBER:,}."


class ClinicSettingsForm(forms.ModelForm):
    """What a clinic admin may change about their clinic (pht.services.update_clinic_settings)."""

    next_identifier_number = forms.IntegerField(
        label="Next number",
        min_value=1,
        max_value=MAX_IDENTIFIER_NUMBER,
        error_messages={"min_value": NUMBER_RANGE, "max_value": NUMBER_RANGE},
        help_text=(
            "The number proposed for the next new patient. Numbers already used are skipped."
        ),
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "phone",
            "address",
            "email",
            "identifier_prefix",
            "next_identifier_number",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }
        labels = {"name": "Clinic name"}
        help_texts = {
            "name": "Shown in the menu bar and printed on handouts and letters.",
            "phone": "Printed on handouts and letters.",
            "address": "Printed as typed, one line per line.",
            "email": "Printed on handouts and letters.",
            "identifier_prefix": (
                "Letters or digits put before the number of each new patient's identifier, "
                "e.g. NS for NS-0043. Leave blank for numbers alone."
            ),
        }

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self) -> str:
        return " ".join(self.cleaned_data["phone"].split())

    def clean_address(self) -> str:
        lines = (" ".join(line.split()) for line in self.cleaned_data["address"].splitlines())
        return "\n".join(line for line in lines if line)

    def clean_identifier_prefix(self) -> str:
        prefix = self.cleaned_data["identifier_prefix"].strip().rstrip("-").strip()
        if prefix and not PREFIX_PATTERN.match(prefix):
            raise forms.ValidationError("Use up to 10 letters or digits, e.g. NS.")
        return prefix.upper()

    def clinic_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
