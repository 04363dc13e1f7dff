"""A POST body that is not UTF-8 is refused with the site's 400 page, on every URL.

A form declared as utf-16, utf-32 or latin-1, or one whose bytes or %-escapes are not valid
UTF-8, used to fail while Django parsed it (a bare 500 with a double traceback). URLs come
from the URL matrix's SPECS, so a new URL is covered automatically; each body carries the
payload that would change data if it were read (tests/security/test_csrf.py's positive
control), so "nothing changed" is a real result. The client checks CSRF as a browser's
request is checked (the token in its header): the error page's own CSRF check read the
body a second time, which is what turned the refusal into a 500.
"""

import urllib.parse

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Patient
from tests.security.test_csrf import payload
from tests.security.test_url_matrix import (
    SPECS,
    build_url,
    custom_exercise_ref,  # noqa: F401 (a fixture)
    fingerprint,
)

FORM = "application/x-www-form-urlencoded"
ERROR_PAGE = b"The request could not be understood. Nothing was changed."


@pytest.fixture
def csrf_admin(clinic_admin):
    """Clinic A's admin in a client that checks CSRF as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic_admin)
    client.get(reverse("dashboard"))  # sets the CSRF cookie
    return client


def encoded(name: str, charset: str) -> bytes:
    """The URL's payload, with a name that needs more than ASCII, in ``charset``."""
    data = {**payload(name), "given_name": "Zoë"}
    return urllib.parse.urlencode(data, doseq=True, encoding=charset).encode(charset)


def bodies(name: str) -> list[tuple[str, str, bytes]]:
    """(what, content type, body): each way a body can fail to be UTF-8."""
    # Never empty: the test client sends no Content-Type with an empty body.
    plain = urllib.parse.urlencode({**payload(name), "notes": "x"}, doseq=True).encode()
    return [
        *(
            (charset, f"{FORM}; charset={charset}", encoded(name, charset))
            for charset in ("utf-16", "utf-32", "latin-1")
        ),
        ("raw latin-1 bytes, no charset", FORM, plain + b"&given_name=Zo\xeb"),
        ("a %-escape that is not UTF-8", FORM, plain + b"&given_name=Zo%EB"),
        ("an unknown charset", f"{FORM}; charset=klingon", plain),
        ("utf8, a spelling Django's form parser refuses", f"{FORM}; charset=utf8", plain),
        (
            "multipart with bytes that are not UTF-8",
            "multipart/form-data; boundary=XyZ",
            b'--XyZ\r\nContent-Disposition: form-data; name="given_name"\r\n\r\nZo\xeb\r\n--XyZ--\r\n',
        ),
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_body_that_is_not_utf8_answers_400_and_changes_nothing(csrf_admin, name, request):
    url = build_url(name, SPECS[name], request)
    token = csrf_admin.cookies["csrftoken"].value
    before = fingerprint()
    for what, content_type, body in bodies(name):
        response = csrf_admin.generic(
            "POST", url, body, content_type=content_type, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 400, what
        assert ERROR_PAGE in response.content, what
        assert response["Content-Security-Policy"], what
    assert fingerprint() == before


def test_a_signed_out_visitor_gets_the_same_page(client, clinic_admin):
    body = urllib.parse.urlencode(payload("login")).encode("utf-16")
    response = client.generic(
        "POST", reverse("login"), body, content_type=f"{FORM}; charset=utf-16"
    )
    assert response.status_code == 400
    assert ERROR_PAGE in response.content
    assert "_auth_user_id" not in client.session


def test_utf8_declared_or_not_goes_through(csrf_admin, clinic_a):
    url = reverse("assessments:patient_create")
    token = csrf_admin.cookies["csrftoken"].value
    for number, content_type in enumerate(
        (FORM, f"{FORM}; charset=utf-8", f"{FORM}; charset=UTF-8")
    ):
        data = {**payload("assessments:patient_create"), "identifier": f"NS-01{number}"}
        # Three people (names one letter apart would be flagged as likely duplicates).
        data.update(
            given_name="Zoë", family_name=("Ödegaard", "Åström", "Müller-Lüdenscheidt")[number]
        )
        body = urllib.parse.urlencode(data).encode()
        response = csrf_admin.generic(
            "POST", url, body, content_type=content_type, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 302, content_type
    assert list(Patient.objects.values_list("given_name", flat=True)) == ["Zoë"] * 3
