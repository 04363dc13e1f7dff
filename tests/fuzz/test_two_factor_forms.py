"""The two-factor forms (verify, confirm the app, remove a factor), posted with anything.

A wrong code writes by design (django-axes counts it, django-otp slows the device down), so
instead of "the database unchanged" each property checks what must never happen on a refusal:
a session let through, an app confirmed, a factor or recovery code removed, an access-log row
of a sign-in. Plus the usual: never a 5xx, no inline code in the page, the refusal explained.
"""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, settings
from hypothesis import strategies as st

from pht import twofactor
from pht.audit import Actor
from pht.models import AccessLog
from tests.factories import PASSWORD
from tests.fuzz.checks import body
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import junk
from tests.pht.test_two_factor import enrol
from tests.security.inline import inline_code

CODES = st.one_of(
    junk(),
    st.text(alphabet="0123456789 -", min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz234567", min_size=6, max_size=10),
)


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    """Hundreds of wrong codes in one test: the lockout itself is tested elsewhere."""
    settings.AXES_FAILURE_LIMIT = 10_000


def _checked(response) -> str:
    assert response.status_code < 500, body(response)[:3000]
    page = body(response).decode()
    assert inline_code(page) == []
    return page


def _explained(response, page: str) -> None:
    form = (response.context or {}).get("form") or (response.context or {}).get("remove_form")
    assert form is not None and form.errors
    for errors in form.errors.values():
        for error in errors:
            assert str(error).replace("'", "&#x27;") in page


@pytest.fixture
def pending(client, clinician, clinic_a):
    enrol(clinician, clinic_a)
    client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    return client


@settings(FUZZ, max_examples=80)
@given(code=CODES, extra=st.dictionaries(st.sampled_from(["next", "code2", "x"]), junk()))
def test_the_verify_form_survives_any_input(pending, code, extra):
    tokens = StaticToken.objects.count()
    response = pending.post(reverse("two_factor_verify"), {"code": code, **extra})
    page = _checked(response)
    assert response.status_code == 200
    _explained(response, page)
    assert pending.get(reverse("dashboard")).status_code == 302  # still owes the factor
    assert StaticToken.objects.count() == tokens
    assert not AccessLog.objects.filter(detail__startswith="two-factor sign-in").exists()


@settings(FUZZ, max_examples=60)
@given(code=CODES)
def test_the_app_confirmation_survives_any_input(clinician_client, clinician, clinic_a, code):
    if twofactor.pending_authenticator_app(clinician) is None:
        twofactor.start_authenticator_app(actor=Actor(clinician, clinic_a))
    response = clinician_client.post(reverse("two_factor_app"), {"code": code})
    page = _checked(response)
    assert response.status_code == 200
    _explained(response, page)
    assert not TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()
    assert not StaticToken.objects.exists()


@settings(FUZZ, max_examples=60)
@given(factor=st.one_of(junk(), st.just("otp_totp.totpdevice/1")), secret=junk())
def test_the_removal_form_survives_any_input(clinician_client, clinician, clinic_a, factor, secret):
    if not twofactor.has_second_factor(clinician):
        enrol(clinician, clinic_a)
    response = clinician_client.post(
        reverse("two_factor_remove"), {"factor": factor, "password": secret}
    )
    page = _checked(response)
    if response.status_code == 302:  # only the right password could do it
        assert secret == PASSWORD
        return
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        _explained(response, page)
    assert twofactor.has_second_factor(clinician)
    assert StaticToken.objects.filter(device__user=clinician).count() == 10
