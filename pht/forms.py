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
            "require_two_factor",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 4}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }
        labels = {
            "name": "Clinic name",
            "require_two_factor": "Require two-factor sign-in for everyone in this clinic",
        }
        help_texts = {
            "name": "Shown in the menu bar and printed on handouts and letters.",
            "phone": "Printed on handouts and letters.",
            "address": "Printed as typed, one line per line.",
            "email": "Printed on handouts and letters.",
            "identifier_prefix": (
                "Letters or digits put before the number of each new patient's identifier, "
                "e.g. NS for NS-0043. Leave blank for numbers alone."
            ),
            "require_two_factor": (
                "After their password, everyone working in this clinic also gives a code from "
                "an authenticator app or uses a passkey. Anyone without one is asked to set it "
                "up before they can carry on."
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


# --- Two-factor sign-in (pht/twofactor.py) ---------------------------------------------------

CODE_HELP = "The 6-digit code your authenticator app shows now, or one of your recovery codes."


class SecondFactorForm(forms.Form):
    """A code at log-in: 6 digits from the app, or a recovery code (8 letters and digits)."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text=CODE_HELP,
        error_messages={"required": "Enter the code."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autofocus": True}
        ),
    )


class AppCodeForm(forms.Form):
    """The current 6-digit code, confirming the authenticator app being set up."""

    code = forms.CharField(
        label="6-digit code from the app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code the app shows."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class RemoveFactorForm(forms.Form):
    """Which second factor to remove, confirmed with the account's password or a current code."""

    factor = forms.ChoiceField(
        label="Remove", widget=forms.RadioSelect, error_messages={"required": "Choose one."}
    )
    password = forms.CharField(
        label="Your password, or a current code",
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password or a current code."},
    )

    def __init__(self, *args, factors: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["factor"].choices = factors
