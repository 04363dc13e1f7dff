"""The assessment summary: the PDF's text holds what a surgeon needs; a draft says DRAFT."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError

from exports import summary
from pht import pdf
from pht.models import AccessLog
from pht.rules.probability import PROVOCATION_TESTS
from tests.factories import PHT_FINDINGS, change_todays_ratios, make_assessment


def pdf_text(response) -> tuple[int, str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pages = [page.extract_text() for page in reader.pages]
    # Join wrapped lines so phrases can be searched whole.
    return len(pages), " ".join(" ".join(pages).split())


@pytest.fixture
def red_flag_assessment(patient, clinician):
    return make_assessment(
        patient=patient,
        user=clinician,
        sign=True,
        findings={**PHT_FINDINGS, "fever": True, "bent_knee_stretch": "negative"},
        plan_notes="Isometric loading daily; review in 2 weeks.",
    )


def test_the_pdf_holds_the_key_content(clinician_client, red_flag_assessment):
    a = red_flag_assessment
    url = reverse("exports:assessment_summary_pdf", args=[a.pk])
    pages, text = pdf_text(clinician_client.get(url))
    assert "CLARKE, Hannah" in text
    assert "NS-0001" in text
    assert "15 Jun 1985" in text
    assert "Northside Physio" in text
    for test in PROVOCATION_TESTS:
        assert test.name in text
    for use in a.evaluation["pht_probability"]["per_test"]:
        assert f"{use['name']}" in text and str(use["lr"]) in text
    top = a.evaluation["differentials"][0]
    assert top["name"] in text
    assert top["reasons"][0]["citation"].split(",")[0] in text
    assert f"rules version {a.rules_version}" in text.lower()
    assert "Action taken: Referral made" in text
    assert "Isometric loading daily" in text
    assert "Signed by" in text
    assert "DRAFT" not in text
    assert f"Page 1 of {pages}" in text


def test_a_draft_is_marked_draft_on_every_page(clinician_client, draft_assessment):
    url = reverse("exports:assessment_summary_pdf", args=[draft_assessment.pk])
    response = clinician_client.get(url)
    reader = PdfReader(io.BytesIO(response.content))
    for page in reader.pages:
        assert "DRAFT" in page.extract_text()
    assert "DRAFT" in response["Content-Disposition"]
    assert "Signed by" not in " ".join(page.extract_text() for page in reader.pages)


def test_the_print_view_is_the_same_letter(clinician_client, signed_assessment):
    response = clinician_client.get(
        reverse("exports:assessment_summary", args=[signed_assessment.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Assessment summary" in content
    assert "Modified bent-knee stretch" in content
    assert reverse("exports:assessment_summary_pdf", args=[signed_assessment.pk]) in content
    assert 'style="' not in content  # CSP: no inline styles
    assert "<script>" not in content


def test_unexamined_tests_say_not_done(patient, clinician):
    findings = {k: v for k, v in PHT_FINDINGS.items() if k != "puranen_orava"}
    a = make_assessment(patient=patient, user=clinician, findings=findings)
    context = summary.summary_context(a)
    po = next(t for t in context["tests"] if t["key"] == "puranen_orava")
    assert po["result"] == "Not done"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/evil.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        pdf.STATIC_PREFIX + "../../pht/settings.py",
    ],
)
def test_the_pdf_fetcher_refuses_everything_but_local_static_files(url):
    with pytest.raises(URLFetchingError):
        pdf.StaticFilesOnly().fetch(url)


def test_the_pdf_fetcher_serves_the_stylesheet():
    response = pdf.StaticFilesOnly().fetch(pdf.STATIC_PREFIX + "css/print-summary.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_summary_exports_are_audited_and_listed_on_the_record_page(
    clinician_client, admin_client_a, signed_assessment
):
    clinician_client.get(reverse("exports:assessment_summary_pdf", args=[signed_assessment.pk]))
    entry = AccessLog.objects.get(action="export")
    assert entry.username == "ada"
    assert entry.object_type == "assessment"
    assert entry.object_id == signed_assessment.pk
    assert entry.patient_id == signed_assessment.patient_id
    assert entry.detail == "summary PDF"
    page = admin_client_a.get(
        reverse("assessments:patient_detail", args=[signed_assessment.patient_id])
    )
    assert "Exported assessment" in page.content.decode()
    assert "summary PDF" in page.content.decode()


def test_a_signed_summary_keeps_the_ratios_it_was_signed_with(
    clinician_client, red_flag_assessment, monkeypatch
):
    """A ratio changed in today's tables leaves an old signed letter exactly as it was."""
    url = reverse("exports:assessment_summary", args=[red_flag_assessment.pk])

    def page() -> str:
        # The page's log-out form carries a fresh CSRF token on every request.
        html = clinician_client.get(url).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    before = page()
    changed = change_todays_ratios(
        monkeypatch, lr_positive=lambda t: t.lr_positive + 50, lr_negative=lambda t: 0.001
    )
    after = page()
    assert after == before
    for test in changed:
        assert str(test.lr_positive) not in after
    assert "0.001" not in after
