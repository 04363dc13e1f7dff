"""Issue 15: a clinic admin finds a patient registered twice and merges the two records."""

import datetime

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, Patient
from tests.e2e.conftest import log_in, screenshot
from tests.factories import PatientFactory, make_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 820, "desktop": 1366}


@pytest.fixture
def twin(patient, clinician):
    """The cast's Hannah Clarke registered again as "Hanna", with two signed assessments on
    the second record and one draft on the first."""
    twin = PatientFactory(
        clinic=patient.clinic,
        identifier="NS-0042",
        given_name="Hanna",
        family_name="Clarke",
        date_of_birth=patient.date_of_birth,
        email="hannah@example.org",
    )
    make_assessment(patient=patient, user=clinician)
    for day in (datetime.date(2026, 10, 5), datetime.date(2026, 11, 2)):
        make_assessment(patient=twin, user=clinician, sign=True, assessed_on=day)
    return twin


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _shot(page, name: str) -> None:
    screenshot(page, f"patient-merge-{name}")


def test_an_admin_compares_and_merges_a_patient_registered_twice(page, clinic_admin, patient, twin):
    log_in(page, clinic_admin)
    page.goto("/patients/")
    page.get_by_role("link", name="Possible duplicates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Possible duplicates")
    expect(page.locator(".duplicate-pairs > li")).to_have_count(1)
    page.get_by_role("link", name="Compare and merge").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Merge two records of one person")
    # The record with more assessments (the twin's two signed ones) is proposed as kept.
    preview = page.locator(".merge-preview")
    expect(preview).to_contain_text("Kept: NS-0042")
    expect(preview.locator("tr.table-warning").first).to_contain_text("Given name(s)")
    page.get_by_role("link", name="Keep NS-0001 instead").click()
    expect(preview).to_contain_text("Kept: NS-0001")
    expect(page.get_by_text("NS-0001 has no email: it takes NS-0042’s.")).to_be_visible()
    page.get_by_role("button", name="Merge NS-0042 into NS-0001").click()

    page.wait_for_url(f"**/patients/{patient.pk}/")
    expect(page.get_by_text("Merged: NS-0042 is now part of this record")).to_be_visible()
    expect(page.locator(".merged-from")).to_contain_text("Also recorded as NS-0042")
    timeline = page.locator("section[aria-labelledby=timeline-heading] tbody tr")
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_contain_text("2 Nov 2026")
    assert Assessment.objects.filter(patient=patient).count() == 3
    twin.refresh_from_db()
    assert twin.merged_into_id == patient.pk

    page.locator(".merged-from").get_by_role("link", name="NS-0042").click()
    expect(page.locator(".merged-banner")).to_contain_text("Merged into")
    expect(page.get_by_role("link", name="New assessment")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
def test_the_duplicates_list_and_the_merge_preview_fit_the_width(
    page, clinic_admin, patient, twin, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, clinic_admin)
    page.goto("/patients/duplicates/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _shot(page, f"duplicates-{width}")
    assert _sideways(page) <= 0, f"the duplicates list pans sideways at {width} px"
    page.goto(f"/patients/{patient.pk}/merge/?with={twin.pk}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _shot(page, f"merge-preview-{width}")
    assert _sideways(page) <= 0, f"the merge preview pans sideways at {width} px"
    assert Patient.objects.filter(merged_into__isnull=False).count() == 0
