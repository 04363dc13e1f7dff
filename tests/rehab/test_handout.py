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


# --- issue 14: who to call, two exercises a page, the pain log, the file name --------------


def pdf_pages(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def three_exercise_plan(signed_assessment, clinician):
    import datetime

    from pht.audit import Actor
    from rehab import services
    from rehab.models import Exercise

    library = list(Exercise.objects.filter(clinic__isnull=True).prefetch_related("stage_links"))
    proposal = services.propose(
        assessment=signed_assessment, library=library, goals_need_running=True
    )
    return services.create_plan(
        actor=Actor(clinician, signed_assessment.clinic),
        assessment=signed_assessment,
        stage=proposal.stage,
        goals_need_running=True,
        review_date=datetime.date.today() + datetime.timedelta(weeks=2),
        items=[services.PlanItem(exercise=e, dosage=e.dosage) for e in proposal.exercises[:3]],
    )


def test_the_handout_names_the_physiotherapist_and_the_clinic(pdf_response, rehab_plan):
    text = pdf_text(pdf_response.content)
    assert f"Your physiotherapist: {rehab_plan.created_by}" in text
    assert f"ask for {rehab_plan.created_by}" in text


def test_the_clinics_phone_and_address_are_printed_when_the_clinic_has_them(rehab_plan):
    # Set on the instance, so this holds before and after Clinic gains these fields.
    rehab_plan.clinic.phone = "01632 960 123"
    rehab_plan.clinic.address = "12 High Street, Exampleton EX1 2AB"
    rehab_plan.clinic.email = "hello@northside.example"
    text = pdf_text(handout.render_pdf(rehab_plan))
    assert "Phone: 01632 960 123" in text
    assert "Call Northside Physio on 01632 960 123 and ask for" in text
    assert "12 High Street, Exampleton EX1 2AB" in text
    assert "hello@northside.example" in text


def test_without_a_phone_the_handout_still_says_whom_to_call(rehab_plan):
    for name in ("phone", "address", "email"):
        setattr(rehab_plan.clinic, name, "")
    text = pdf_text(handout.render_pdf(rehab_plan))
    assert "Call Northside Physio and ask for" in text
    assert "Phone:" not in text


def test_the_handout_has_a_seven_day_pain_log(pdf_response):
    text = pdf_text(pdf_response.content)
    assert "Your pain log for the next 7 days" in text
    assert "Marker test pain (0-10)" in text
    assert "The morning after exercising" in text
    assert text.count("Better Same Worse") == 7


def test_three_exercises_fit_on_three_pages_two_on_the_first(three_exercise_plan):
    # Before issue 14: four pages, exercise 1 alone on page 1 (and no pain log).
    pages = pdf_pages(handout.render_pdf(three_exercise_plan))
    names = [item.exercise.name for item in three_exercise_plan.items.select_related("exercise")]
    assert len(pages) == 3
    assert names[0] in pages[0] and names[1] in pages[0]
    assert names[2] in pages[1]
    assert "Your pain log" in pages[2] and "When to call the clinic" in pages[2]


def test_the_pdf_downloads_with_the_patients_name_and_the_date(clinician_client, rehab_plan):
    import datetime

    today = datetime.date.today().isoformat()
    url = reverse("rehab:handout_pdf", args=[rehab_plan.pk])
    response = clinician_client.get(url)
    assert response["Content-Disposition"] == f'inline; filename="exercise-plan-clarke-{today}.pdf"'
    copy = clinician_client.get(url, {"copy": "clinician"})
    assert copy["Content-Disposition"] == (
        f'inline; filename="exercise-plan-clarke-{today}-clinician-copy.pdf"'
    )


@pytest.mark.parametrize(
    ("family_name", "expected"),
    [
        ("Clarke", "exercise-plan-clarke-2026-12-03.pdf"),
        ("O'Brien-Núñez", "exercise-plan-obrien-nunez-2026-12-03.pdf"),
        ("van der Berg", "exercise-plan-van-der-berg-2026-12-03.pdf"),
        ("李", "exercise-plan-2026-12-03.pdf"),
        ('"; rm -rf', "exercise-plan-rm-rf-2026-12-03.pdf"),
    ],
)
def test_the_file_name_is_slugified(family_name, expected):
    import datetime
    from types import SimpleNamespace

    plan = SimpleNamespace(patient=SimpleNamespace(family_name=family_name))
    assert handout.filename(plan, day=datetime.date(2026, 12, 3)) == expected
