"""Accessibility: axe-core on every main page, and the assessment form by keyboard alone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from assessments.models import Assessment
from tests.e2e.conftest import choose, log_in
from tests.factories import PHT_FINDINGS, make_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING_IMPACTS = {"serious", "critical"}
MAX_TABS = 300


@pytest.fixture
def record(patient, clinician, rehab_plan, visa_h_response):
    """Clinic A's patient with a signed assessment, a rehab plan, a VISA-H and an unsigned
    red-flag draft, so every page shows its full content."""
    draft = make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "fever": True}
    )
    return {
        "patient": patient,
        "signed": rehab_plan.assessment,
        "draft": draft,
        "plan": rehab_plan,
    }


def _open_assessment_form_with_panel(page, record):
    page.goto(f"/patients/{record['patient'].pk}/assessments/new/")
    choose(page, "Onset", "Gradual")
    choose(page, "Modified bent-knee stretch test", "Positive")
    expect(page.locator("#panel")).to_contain_text("before the tests →")


PAGES = {
    "dashboard": lambda page, record: page.goto("/"),
    "patient list": lambda page, record: page.goto("/patients/"),
    "patient record": lambda page, record: page.goto(f"/patients/{record['patient'].pk}/"),
    "assessment form with the panel": _open_assessment_form_with_panel,
    "assessment page (signed)": lambda page, record: page.goto(
        f"/assessments/{record['signed'].pk}/"
    ),
    "assessment page (draft with a red flag, sign form)": lambda page, record: page.goto(
        f"/assessments/{record['draft'].pk}/"
    ),
    "rehab plan": lambda page, record: page.goto(f"/rehab/plans/{record['plan'].pk}/"),
    "plan editor": lambda page, record: page.goto(f"/rehab/plans/{record['plan'].pk}/edit/"),
    "new plan (exercise picker)": lambda page, record: page.goto(
        f"/rehab/assessments/{record['signed'].pk}/plan/"
    ),
    "progress review form": lambda page, record: page.goto(
        f"/rehab/plans/{record['plan'].pk}/reviews/new/"
    ),
    "VISA-H form": lambda page, record: page.goto(f"/patients/{record['patient'].pk}/visa-h/new/"),
    "exercise library": lambda page, record: page.goto("/rehab/exercises/"),
}


def _blocking_violations(page) -> tuple[list[dict], str]:
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(
            f"    {node['target']}: {node['failureSummary'].replace(chr(10), ' ')}"
            for node in v["nodes"]
        )
        for v in violations
    )
    return blocking, report


def test_login_page_has_no_serious_axe_violations(page):
    page.goto("/accounts/login/")
    blocking, report = _blocking_violations(page)
    assert not blocking, f"axe on the login page:\n{report}"


WIDTHS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 820, "height": 1180},
    "desktop": {"width": 1366, "height": 768},
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_axe_violations(page, clinician, record, name, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    PAGES[name](page, record)
    blocking, report = _blocking_violations(page)
    assert not blocking, f"axe on the {name} at {width} width ({page.url}):\n{report}"


def _tab_to(page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with {MAX_TABS} presses of Tab")


def _choose_by_arrows(page, name: str, presses: int) -> None:
    """Tab into a radio group (the focus lands on its checked answer, "Not asked" / "Not
    tested") and move the choice with the arrow key."""
    _tab_to(page, f"input[type=radio][name={name}]")
    for _ in range(presses):
        page.keyboard.press("ArrowRight")


def test_assessment_form_can_be_completed_with_the_keyboard(page, clinician, patient):
    log_in(page, clinician)
    page.goto(f"/patients/{patient.pk}/assessments/new/")
    assert page.evaluate("document.activeElement === document.body")

    _choose_by_arrows(page, "onset", 1)  # Not recorded → Gradual
    _tab_to(page, "#id_duration_weeks")
    page.keyboard.type("10")
    _tab_to(page, "#id_pain_location_0")  # Ischial tuberosity
    page.keyboard.press("Space")
    _tab_to(page, "#id_pain_location_1")  # Deep buttock: a second location, not instead
    page.keyboard.press("Space")
    _tab_to(page, "#id_pain_nprs_now")
    page.keyboard.type("3")
    _choose_by_arrows(page, "pain_with_sitting", 1)  # Not asked → Yes
    _choose_by_arrows(page, "fever", 2)  # Not asked → Yes → No
    _choose_by_arrows(page, "puranen_orava", 2)  # Not tested → Negative → Positive
    _tab_to(page, "#id_puranen_orava_pain")
    page.keyboard.type("5")
    _choose_by_arrows(page, "modified_bent_knee_stretch", 1)  # → Negative
    _tab_to(page, "#id_clinical_notes")
    page.keyboard.type("Sore after hill repeats.")
    _tab_to(page, "button[value=save]")
    expect(page.locator("#panel")).to_contain_text("Puranen-Orava positive")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    draft = Assessment.objects.get(patient=patient)
    assert draft.status == Assessment.Status.DRAFT
    assert draft.clinical_notes == "Sore after hill repeats."
    findings = draft.findings
    assert findings["onset"] == "gradual"
    assert findings["duration_weeks"] == 10
    assert findings["pain_location"] == ["ischial_tuberosity", "deep_buttock"]
    assert findings["pain_nprs_now"] == 3
    assert findings["pain_with_sitting"] is True
    assert findings["fever"] is False
    assert findings["puranen_orava"] == "positive"
    assert findings["modified_bent_knee_stretch"] == "negative"
    assert draft.puranen_orava_pain == 5
    assert "bent_knee_stretch" not in findings
