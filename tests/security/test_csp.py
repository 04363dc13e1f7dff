"""Every page sends a strict Content-Security-Policy, cannot be framed, and has no inline code.

Pages are enumerated from the URL matrix's SPECS, so a new page is checked automatically.
Each is fetched as clinic A's admin with a record full enough to show every section (a
draft and a signed assessment, a VISA-H, a plan with a review, a custom exercise).
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.inline import csp_directives, inline_code, is_html
from tests.security.test_url_matrix import (
    SPECS,
    build_url,
    custom_exercise_ref,  # noqa: F401 (a fixture)
)

GET_PAGES = sorted(name for name, spec in SPECS.items() if not spec.post_only)
FULL_RECORD = ("draft_assessment", "signed_assessment", "visa_h_response", "rehab_review")


@pytest.fixture
def full_record(request):
    for name in FULL_RECORD:
        request.getfixturevalue(name)


def assert_strict_headers(response):
    directives = csp_directives(response)
    assert directives, "no Content-Security-Policy header"
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"], script_src
    for name, values in directives.items():
        assert "'unsafe-inline'" not in values, name
        assert "'unsafe-eval'" not in values, name
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


def assert_no_inline_code(response):
    if is_html(response):
        assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_page_sends_a_strict_policy(admin_client_a, full_record, name, request):
    response = admin_client_a.get(build_url(name, SPECS[name], request))
    assert response.status_code in (200, 302)
    assert_strict_headers(response)


@pytest.mark.parametrize("name", GET_PAGES)
def test_no_page_has_inline_scripts_styles_or_handlers(admin_client_a, full_record, name, request):
    response = admin_client_a.get(build_url(name, SPECS[name], request), follow=True)
    assert response.status_code == 200
    assert_no_inline_code(response)


@pytest.mark.parametrize("name", GET_PAGES)
def test_no_form_page_with_errors_has_inline_code(admin_client_a, full_record, name, request):
    """The same pages re-rendered after an empty POST: error messages included."""
    response = admin_client_a.post(build_url(name, SPECS[name], request), {}, follow=True)
    assert response.status_code < 500
    assert_strict_headers(response)
    assert_no_inline_code(response)


def test_the_live_panel_fragment_has_no_inline_code(clinician_client, patient):
    url = reverse("assessments:assessment_panel", args=[patient.pk])
    response = clinician_client.post(url, {"assessed_on": "2026-11-02", "night_pain": "yes"})
    assert response.status_code == 200
    assert_no_inline_code(response)


def test_the_login_page_is_strict_too(client, db):
    response = client.get(reverse("login"))
    assert_strict_headers(response)
    assert_no_inline_code(response)


def test_the_login_page_with_an_error_has_no_inline_code(client, clinician):
    response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 200
    assert_no_inline_code(response)


def test_the_lockout_page_is_strict(client, clinician, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "ada", "password": "wrong"})
    assert response.status_code == 429
    assert_strict_headers(response)
    assert_no_inline_code(response)


@pytest.mark.parametrize(
    "make_response",
    [
        pytest.param(lambda c, p: c.get("/no-such-page/"), id="404"),
        pytest.param(lambda c, p: c.get(reverse("exports:index")), id="403"),
        pytest.param(
            lambda c, p: c.get(reverse("assessments:patient_list"), {"page": "x" * 5}), id="paging"
        ),
    ],
)
def test_error_pages_are_strict(clinician_client, patient, make_response):
    response = make_response(clinician_client, patient)
    assert response.status_code in (200, 403, 404)
    assert_strict_headers(response)
    assert_no_inline_code(response)


def test_the_csrf_failure_page_is_strict(clinician, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = client.post(reverse("assessments:patient_edit", args=[patient.pk]), {})
    assert response.status_code == 403
    assert b"Nothing was saved" in response.content
    assert_strict_headers(response)
    assert_no_inline_code(response)
