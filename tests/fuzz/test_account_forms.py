"""The clinic users forms, the invitation's sign-up form and the password reset form, posted
with whatever a careless user or an attacker might send (tests/fuzz/checks.py)."""

import datetime
import itertools

from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from pht import accounts
from pht.account_forms import AcceptInvitationForm, InviteForm
from pht.audit import Actor
from pht.models import Membership
from tests.fuzz.checks import assert_refusal_explained, submit
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import form_data, junk, near_valid
from tests.security.test_csrf import payload

EARLIEST = datetime.date(1900, 1, 1)
INVITE_FIELDS = InviteForm().fields
ACCEPT_FIELDS = AcceptInvitationForm(email="x@example.org").fields
_addresses = itertools.count()


def either(base, fields):
    return st.one_of(
        form_data(fields, earliest=EARLIEST), near_valid(base, fields, earliest=EARLIEST)
    )


def refused_or_redirected(response):
    if response.status_code != 302:
        assert_refusal_explained(response)


@settings(FUZZ, max_examples=60)
@given(data=either(payload("clinic_user_invite"), INVITE_FIELDS))
def test_invite_survives_any_input(admin_client_a, data):
    refused_or_redirected(submit(admin_client_a, "post", reverse("clinic_user_invite"), data))


@settings(FUZZ, max_examples=60)
@given(data=either(payload("invitation_accept"), ACCEPT_FIELDS))
def test_accepting_an_invitation_survives_any_input(clinic_a, clinic_admin, data):
    # A fresh invitation each time: a successful example uses its invitation up.
    _, token = accounts.invite(
        actor=Actor(clinic_admin, clinic_a),
        email=f"person{next(_addresses)}@example.org",
        role="clinician",
    )
    response = submit(Client(), "post", reverse("invitation_accept", args=[token]), data)
    refused_or_redirected(response)


@settings(FUZZ, max_examples=40)
@given(role=st.one_of(st.sampled_from(Membership.Role.values), junk()), extra=junk())
def test_role_change_survives_any_input(admin_client_a, colleague_membership, role, extra):
    url = reverse("clinic_user_role", args=[colleague_membership.pk])
    valid = role in Membership.Role.values
    response = submit(
        admin_client_a, "post", url, {"role": role, "other": extra}, saves_on_success=valid
    )
    assert response.status_code == 302


@settings(FUZZ, max_examples=40)
@given(email=st.one_of(junk(), st.emails()))
def test_password_reset_survives_any_input(clinician, email):
    response = submit(
        Client(), "post", reverse("password_reset"), {"email": email}, saves_on_success=False
    )
    refused_or_redirected(response)
