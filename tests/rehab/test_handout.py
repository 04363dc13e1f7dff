"""The patient handout: a real PDF and a print view from the same template."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pht import pdf
from pht.models import AccessLog
from rehab import handout


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def pdf_response(clinician_client, rehab_plan):
    return clinician_client.get(reverse("rehab:handout_pdf", args=[rehab_plan.pk]))


def test_the_handout_is_a_real_pdf(pdf_response):
    assert pdf_response.status_code == 200
    assert pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response.content.startswith(b"%PDF-")


def test_the_pdf_carries_exercises_advice_and_review_date(pdf_response, rehab_plan):
    text = pdf_text(pdf_response.content)
    assert rehab_plan.clinic.name in text
    for item in rehab_plan.items.select_related("exercise"):
        assert item.exercise.name in text
        assert item.exercise.cues[0].split()[0] in text
    assert "How to check your pain" in text
    assert "Pain up to 3 out of 10" in text
    assert "When to call the clinic" in text
    assert "cushion" in text
    assert f"{rehab_plan.review_date.day} {rehab_plan.review_date:%B %Y}" in text


def test_the_pdf_download_is_logged_as_an_export(pdf_response, rehab_plan, clinician):
    log = AccessLog.objects.get(action="export")
    assert (log.object_type, log.object_id, log.detail, log.user) == (
        "rehab_plan",
        rehab_plan.pk,
        "handout.pdf",
        clinician,
    )


def test_the_print_view_uses_the_same_template(clinician_client, rehab_plan):
    response = clinician_client.get(reverse("rehab:handout", args=[rehab_plan.pk]))
    assert response.status_code == 200
    assert handout.TEMPLATE in [t.name for t in response.templates]
    content = response.content.decode()
    assert "How to check your pain" in content
    assert "<script>" not in content and 'style="' not in content


def test_the_pdf_fetcher_serves_static_files_only():
    from weasyprint.urls import URLFetchingError

    fetcher = pdf.StaticFilesOnly()
    response = fetcher.fetch(pdf.STATIC_PREFIX + "css/handout.css")
    assert b"@page" in response.read()
    for url in (
        "https://example.org/tracker.css",
        "file:///etc/passwd",
        "file:///static/css/handout.css",
        pdf.STATIC_PREFIX + "../pht/settings.py",
    ):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)
