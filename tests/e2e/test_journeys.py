"""The journeys of issues 7 and 12, in a real browser, checked on the page and in the database."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment, Patient, VisaHResponse
from exports.csv import COLUMNS
from pht.rules import visa_h
from rehab.models import RehabPlan
from tests.conftest import VISA_H_ANSWERS
from tests.e2e.conftest import choose, log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MIN_PDF_BYTES = 5_000


def _fetch_pdf(page, url: str) -> bytes:
    """GET ``url`` with the browser's session (cookies) and return the body."""
    response = page.request.get(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def _record_history(page) -> None:
    """A typical proximal hamstring tendinopathy history (tests.factories.PHT_FINDINGS)."""
    choose(page, "Onset", "Gradual")
    page.get_by_label("Weeks since onset").fill("10")
    choose(page, "Recent change in training load", "Yes")
    choose(page, "Where the pain is", "Ischial tuberosity")
    page.get_by_label("Pain now (0-10)").fill("3")
    page.get_by_label("Worst pain (0-10)").fill("6")
    choose(page, "Pain with sitting", "Yes")
    page.get_by_label("Minutes of sitting before pain starts").fill("30")
    choose(page, "Pain running uphill or at speed", "Yes")
    choose(page, "Tenderness at the ischial tuberosity", "Yes")


SCREEN = (
    "Saddle numbness",
    "New bladder or bowel change",
    "History of cancer",
    "Unexplained weight loss",
    "Fever or feeling systemically unwell",
    "Objective neurological deficit (weakness, reflex or sensory loss)",
)


def _screen_negative(page) -> None:
    """The red-flag screen, every question asked and answered no."""
    for question in SCREEN:
        choose(page, question, "No")


# The typical history with ischial tenderness gives the top pre-test tier (60%); each test's
# post-test probability uses the most accurate test performed (Cacchio 2012, Table 4: LR+ 4.2
# Puranen-Orava, 6.5 bent-knee, 10.2 modified bent-knee).
PANEL_AFTER_EACH_TEST = (
    ("Puranen-Orava test", "60% before the tests → 86% after"),
    ("Bent-knee stretch test", "60% before the tests → 91% after"),
    ("Modified bent-knee stretch test", "60% before the tests → 94% after"),
)


def _tick_tests_and_watch_panel(page) -> None:
    """Each positive provocation test updates the live panel (htmx swap of #panel)."""
    panel = page.locator("#panel")
    expect(panel).to_contain_text("No stretch test recorded yet: 60% before testing")
    for test, probability in PANEL_AFTER_EACH_TEST:
        with page.expect_response(lambda r: r.url.endswith("/assessments/panel/")):
            choose(page, test, "Positive")
        expect(panel).to_contain_text(probability)
    expect(panel).not_to_contain_text("No stretch test recorded yet")
    expect(panel).to_contain_text(
        "Each test on its own: Modified bent-knee stretch positive → 94%; "
        "Bent-knee stretch positive → 91%; Puranen-Orava positive → 86%"
    )


def _fill_visa_h(page) -> None:
    for key in ("q1", "q2", "q3", "q4", "q5", "q6"):
        page.locator(f"label[for=id_{key}_{VISA_H_ANSWERS[key]}]").click()
    page.locator(f"label[for=id_q7_{VISA_H_ANSWERS['q7']}]").click()
    page.locator("label[for=id_q8_branch_1]").click()  # part B
    page.locator("#id_q8b").select_option(str(VISA_H_ANSWERS["q8b"]))


def test_clinician_assesses_signs_plans_and_downloads(page, clinician):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    screenshot(page, "00-login")
    log_in(page, clinician)
    # The live server serves the static files: Bootstrap and app.css are applied.
    expect(page.get_by_role("navigation", name="Main navigation")).to_have_css(
        "background-color", "rgb(11, 61, 110)"
    )
    screenshot(page, "01-dashboard")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Patients"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    screenshot(page, "02-patient-list")

    # A new patient.
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Identifier").fill("NS-0042")
    page.get_by_label("Given name").fill("Imogen")
    page.get_by_label("Family name").fill("Achebe")
    page.get_by_label("Date of birth").fill("1988-04-12")
    page.get_by_label("Sex").select_option("female")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ACHEBE, Imogen")
    patient = Patient.objects.get(identifier="NS-0042")
    assert (patient.clinic.name, patient.given_name) == ("Northside Physio", "Imogen")

    # The assessment: history, the red-flag screen, the three tests with the live panel.
    page.get_by_role("link", name="New assessment").click()
    _record_history(page)
    _screen_negative(page)
    _tick_tests_and_watch_panel(page)
    expect(page.locator("#panel")).to_contain_text(
        "No red flags raised: every screening question was answered."
    )
    screenshot(page, "04-assessment-form-with-panel")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    draft = Assessment.objects.get(patient=patient)
    assert draft.status == Assessment.Status.DRAFT
    assert draft.findings["fever"] is False
    assert draft.findings["puranen_orava"] == "positive"
    assert draft.findings["modified_bent_knee_stretch"] == "positive"
    assert draft.red_flag_urgency == ""
    assert draft.stage

    # The VISA-H, linked to the draft: the draft's link chooses it as the visit.
    page.get_by_role("link", name="Add a VISA-H to this draft").click()
    expect(page.get_by_role("radio", name=re.compile("^The draft assessment of"))).to_be_checked()
    _fill_visa_h(page)
    page.get_by_role("button", name="Score and save").click()
    total = visa_h.score_visa_h(VISA_H_ANSWERS).total
    expect(page.get_by_role("status").filter(has_text="VISA-H recorded")).to_have_text(
        f"VISA-H recorded: {total}/100, added to the draft's findings."
    )
    response = VisaHResponse.objects.get(patient=patient)
    assert (response.assessment_id, response.total) == (draft.pk, total)

    # Review and sign: no red flag, the screen complete, so no action or reason is asked for.
    page.get_by_role("button", name="Save and review for signing").click()
    expect(page.get_by_text("Red-flag screen not complete")).to_have_count(0)
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed")
    expect(page.get_by_role("heading", name="VISA-H")).to_be_visible()
    screenshot(page, "05-assessment-signed")
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SIGNED
    assert draft.red_flag_action == ""
    assert draft.signed_by == clinician
    assert draft.findings["visa_h"] == total

    # A rehab plan from the signed assessment: nothing is ticked for the clinician; three of
    # the suggested exercises are picked, added, and the plan saved. Then edited.
    page.get_by_role("link", name="Plan rehab").click()
    picker = page.get_by_role("group", name="Add exercises")
    expect(picker.get_by_role("checkbox", checked=True)).to_have_count(0)
    suggested = picker.get_by_role("listitem").filter(has_text="Suggested")
    for index in range(3):
        suggested.nth(index).get_by_role("checkbox").check()
    page.get_by_role("button", name="Add the ticked exercises").click()
    expect(page.get_by_role("status").filter(has_text="Added to the plan")).to_be_visible()
    screenshot(page, "06a-plan-editor")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status").filter(has_text="Rehab plan saved")).to_be_visible()
    plan = RehabPlan.objects.get(assessment=draft)
    items = list(plan.items.select_related("exercise").order_by("order"))
    assert len(items) == 3
    dropped, changed = items[0].exercise, items[1].exercise

    page.get_by_role("link", name="Edit plan").click()
    page.get_by_role("button", name=f"Remove {dropped.name}", exact=True).click()
    page.get_by_label(f"Sets for {changed.name}", exact=True).fill("4")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Rehab plan updated")).to_be_visible()
    exercises = page.get_by_role("region", name="Exercises")
    expect(exercises.get_by_role("link", name=dropped.name, exact=True)).to_have_count(0)
    expect(exercises.get_by_role("row", name=changed.name)).to_contain_text("4 sets")
    screenshot(page, "06-rehab-plan")
    plan.refresh_from_db()
    kept = {item.exercise_id: item for item in plan.items.all()}
    assert dropped.pk not in kept
    assert kept[changed.pk].sets == "4"

    # The handout (print view) and the two PDFs.
    page.get_by_role("link", name="Patient handout").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "07-handout-print-view")
    handout = _fetch_pdf(page, f"/rehab/plans/{plan.pk}/handout.pdf")
    summary = _fetch_pdf(page, f"/assessments/{draft.pk}/summary.pdf")
    for pdf in (handout, summary):
        assert pdf.startswith(b"%PDF")
        assert len(pdf) > MIN_PDF_BYTES

    # The patient's record and the exercise library, for the screenshots.
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("region", name="Rehab plans")).to_contain_text("Open plan")
    screenshot(page, "03-patient-record")
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Exercises"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "08-exercise-library")


def test_clinic_admin_archives_restores_and_exports(page, clinic_admin, patient, signed_assessment):
    log_in(page, clinic_admin)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_text("Archive…", exact=True).click()  # the confirmation opens
    page.get_by_role("button", name="Archive patient").click()
    expect(page.get_by_role("status").filter(has_text="Archived on")).to_be_visible()
    patient.refresh_from_db()
    assert patient.archived_at is not None

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Patients"
    ).click()
    expect(page.get_by_role("link", name="CLARKE, Hannah")).to_have_count(0)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("button", name="Restore patient").click()
    expect(page.get_by_role("status").filter(has_text="restored")).to_be_visible()
    patient.refresh_from_db()
    assert patient.archived_at is None

    page.get_by_role("link", name="Exports").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert [row[0] for row in rows[1:]] == [str(signed_assessment.pk)]


@pytest.mark.parametrize(
    "url",
    ["/patients/{patient}/", "/assessments/{assessment}/", "/patients/{patient}/assessments/new/"],
)
def test_clinician_of_another_clinic_is_refused(page, other_clinician, signed_assessment, url):
    log_in(page, other_clinician)
    response = page.goto(
        url.format(patient=signed_assessment.patient_id, assessment=signed_assessment.pk)
    )
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text("Clarke")
