"""Issue 14 in the browser: the plan editor at tablet and phone widths, its picker filtering
as one types, the follow-up pages, and no sideways panning anywhere at 390 px."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.factories import make_review

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 820, "desktop": 1366}


@pytest.fixture
def record(patient, clinician, rehab_plan, visa_h_response):
    make_review(plan=rehab_plan, user=clinician, marker_pain=3, sitting_tolerance_min=40)
    review = make_review(plan=rehab_plan, user=clinician, marker_pain=2, sitting_tolerance_min=55)
    return {"patient": patient, "plan": rehab_plan, "review": review}


def _pages(record):
    patient, plan = record["patient"].pk, record["plan"].pk
    return {
        "plan-editor": f"/rehab/plans/{plan}/edit/",
        "new-plan": f"/rehab/assessments/{record['plan'].assessment_id}/plan/",
        "review-form": f"/rehab/plans/{plan}/reviews/new/",
        "review-page": f"/rehab/reviews/{record['review'].pk}/",
        "visa-h-form": f"/patients/{patient}/visa-h/new/",
        "patient-record": f"/patients/{patient}/",
        "dashboard": "/",
        "handout": f"/rehab/plans/{plan}/handout/",
    }


def _sideways(page) -> int:
    """How far the page pans sideways (0: it fits the window)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=list(WIDTHS))
def test_the_pages_fit_the_width_without_sideways_panning(page, clinician, record, width):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, clinician)
    for name, url in _pages(record).items():
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(page, f"14-{name}-{width}")
        assert _sideways(page) <= 0, f"{name} pans sideways at {width} px"


def test_the_dosage_boxes_are_readable_on_a_phone(page, clinician, record):
    page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
    log_in(page, clinician)
    page.goto(_pages(record)["plan-editor"])
    first = record["plan"].items.select_related("exercise").first()
    for label, minimum in (("Intensity", 300), ("Tempo", 300), ("Sets", 130)):
        box = page.get_by_label(f"{label} for {first.exercise.name}", exact=True).bounding_box()
        assert box["width"] >= minimum, (label, box)
    value = page.get_by_label(f"Intensity for {first.exercise.name}", exact=True).input_value()
    assert value == first.intensity


def test_the_picker_filters_as_one_types_and_adds_what_is_ticked(page, clinician, record):
    log_in(page, clinician)
    page.goto(_pages(record)["new-plan"])
    picker = page.get_by_role("group", name="Add exercises")
    total = picker.locator("[data-picker-item]").count()  # hidden ones too
    # At first, the stage's suggestions: the others are one filter away.
    expect(page.locator("[data-picker-count]")).to_contain_text(
        f"{picker.locator('[data-picker-item]:visible').count()} of {total}"
    )
    page.get_by_label("Find by name").fill("bridge hold")
    visible = picker.locator("[data-picker-item]:visible")
    expect(visible.first).to_contain_text("ridge")
    assert 0 < visible.count() < total
    expect(page.locator("[data-picker-count]")).to_contain_text(f"{visible.count()} of {total}")
    visible.first.get_by_role("checkbox").check()
    chosen = visible.first.get_by_role("checkbox").get_attribute("value")
    # Enter filters; it does not send the form.
    page.get_by_label("Find by name").press("Enter")
    page.get_by_label("Find by name").fill("no such exercise")
    expect(page.locator("[data-picker-none]")).to_be_hidden()  # the ticked one stays shown
    page.get_by_role("button", name="Add the ticked exercises").click()
    expect(page.get_by_role("status").filter(has_text="Added to the plan")).to_be_visible()
    rows = page.get_by_role(
        "list", name="Exercises in the plan, in the order the patient does them"
    )
    expect(rows.get_by_role("listitem")).to_have_count(1)
    assert page.locator(f'input[name="items-0-exercise"][value="{chosen}"]').count() == 1
