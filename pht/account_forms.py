"""Forms of the clinic users pages, the invitation's acceptance and the clinic audit page."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from pht.models import AccessLog, Membership, User

ROLE_HELP = (
    "A clinic admin also manages the clinic's users, settings, exports and archived patients."
)


def _tidy(value: str) -> str:
    return " ".join(value.split())


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="The invitation link is sent here, and shown to you to pass on.",
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.CLINICIAN,
        widget=forms.RadioSelect,
        help_text=ROLE_HELP,
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()

    def clean_first_name(self) -> str:
        return _tidy(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _tidy(self.cleaned_data["last_name"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class AcceptInvitationForm(UserCreationForm):
    """The new account of an invited person: username (unique), names and a password checked
    by the site's password validators (against the names and address too)."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name")

    def __init__(self, *args, email: str, **kwargs):
        # The instance carries the address so the similarity validator sees it.
        super().__init__(*args, instance=User(email=email), **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_first_name(self) -> str:
        return _tidy(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _tidy(self.cleaned_data["last_name"])


class AuditFilterForm(forms.Form):
    """The clinic audit page's filters: who, and which kind of action."""

    person = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AccessLog.Action.choices]
    )

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Anyone"), *people]
