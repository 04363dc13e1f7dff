"""The red-flag journey of issue 12, as a new user would try it in the browser:

- the live panel puts the unasked cauda equina questions first when both legs have symptoms;
- a suspected cauda equina case, signed as "referral made", blocks rehab, and the plan page
  explains why;
- an assessment whose red-flag screen was not asked cannot be signed without the reason, and
  the summary prints it.

Screenshots at tablet (820 px) and phone (390 px) widths go to tests/e2e/artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import Assessment
from rehab.models import RehabPlan
from tests.e2e.conftest import choose, log_in, screenshot
from tests.factories import PHT_FINDINGS, SCREEN_NEGATIVE, make_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}


def _new_assessment(page, patient) -> None:
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="New assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New assessment")


def test_bilateral_leg_pain_puts_the_cauda_equina_questions_first_and_blocks_rehab(
    page, clinician, patient
):
    page.set_viewport_size(TABLET)
    log_in(page, clinician)
    _new_assessment(page, patient)
    panel = page.locator("#panel")

    choose(page, "Back pain", "Yes")
    with page.expect_response(lambda r: r.url.endswith("/assessments/panel/")):
        choose(page, "Leg pain, numbness or weakness in both legs (bilateral sciatica)", "Yes")
    expect(panel).to_contain_text("Leg symptoms in both legs: suspected cauda equina")
    expect(panel).to_contain_text("Not yet asked: saddle numbness")
    ask_first = panel.locator(".ask-first")
    expect(ask_first).to_contain_text("Saddle numbness")
    first = ask_first.locator("li").first
    expect(first).to_contain_text("Saddle numbness")
    # The questions come before the differential in the panel.
    text = panel.text_content()
    assert text.index("Ask or check first") < text.index("Differential diagnosis")
    screenshot(page, "12-ces-questions-first-tablet")
    panel.screenshot(
        path=str(
            screenshot(page, "12-ces-questions-first-tablet").with_name("12-ces-panel-tablet.png")
        )
    )

    # Answering one of them yes raises the emergency flag at once.
    with page.expect_response(lambda r: r.url.endswith("/assessments/panel/")):
        choose(page, "Saddle numbness", "Yes")
    expect(panel.locator(".red-flag-emergency")).to_contain_text("Possible cauda equina syndrome")
    expect(panel.locator(".rule-out-first")).to_contain_text("Cauda equina syndrome")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    draft = Assessment.objects.get(patient=patient)
    assert draft.red_flag_urgency == "emergency"

    # Signing asks for the action and for the screen questions that were not asked.
    page.get_by_role("button", name="Save and review for signing").click()
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_text("record the action taken")).to_be_visible()
    expect(page.get_by_text("The red-flag screen is not complete")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    page.get_by_label("Referral made").check()
    page.get_by_label("Reason the red-flag screen was not completed").fill(
        "Sent to the emergency department before the rest of the screen."
    )
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed")
    draft.refresh_from_db()
    assert draft.is_signed and draft.red_flag_action == "referral_made"
    assert draft.stage == ""

    # Plan rehab: the page explains why it is not proposed; nothing is planned.
    page.get_by_role("link", name="Plan rehab").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rehab is not proposed for this assessment"
    )
    expect(page.locator(".rehab-blocked")).to_contain_text("cauda equina")
    expect(page.locator(".rehab-blocked")).to_contain_text("Referral made")
    expect(page.get_by_text("isometric", exact=False)).to_have_count(0)
    screenshot(page, "13-rehab-blocked-tablet")
    page.set_viewport_size(PHONE)
    screenshot(page, "13-rehab-blocked-phone")
    assert not RehabPlan.objects.exists()

    # An override needs a reason; with one, the plan can be made and carries it.
    page.get_by_role("button", name="Record the reason and plan rehab").click()
    expect(page.get_by_text("Give the clinical reason")).to_be_visible()
    page.get_by_label("Clinical reason for planning rehab against the advice").fill(
        "MRI normal; spinal team discharged the patient back to physiotherapy."
    )
    page.get_by_role("button", name="Record the reason and plan rehab").click()
    expect(page.locator(".gate-override")).to_contain_text("MRI normal")
    # Nothing is ticked for the clinician: one suggested exercise, ticked, is saved with it.
    picker = page.get_by_role("group", name="Add exercises")
    picker.get_by_role("listitem").filter(has_text="Suggested").first.get_by_role(
        "checkbox"
    ).check()
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_role("status").filter(has_text="Rehab plan saved")).to_be_visible()
    plan = RehabPlan.objects.get(assessment=draft)
    assert plan.gate_override_reason.startswith("MRI normal")
    expect(page.locator(".gate-override")).to_contain_text("MRI normal")
    page.get_by_role("link", name="Clinician copy").click()
    expect(page.locator(".clinician-copy")).to_contain_text("MRI normal")


def test_an_unscreened_assessment_cannot_be_signed_without_the_reason(page, clinician, patient):
    unscreened = {k: v for k, v in PHT_FINDINGS.items() if k not in SCREEN_NEGATIVE}
    draft = make_assessment(patient=patient, user=clinician, findings=unscreened)
    page.set_viewport_size(TABLET)
    log_in(page, clinician)
    page.goto(f"/assessments/{draft.pk}/")
    expect(page.locator(".screen-incomplete")).to_contain_text("Saddle numbness")
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_text("The red-flag screen is not complete")).to_be_visible()
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    screenshot(page, "14-sign-needs-screen-tablet")

    page.get_by_label("Reason the red-flag screen was not completed").fill(
        "Telephone review; screen at the next visit."
    )
    page.get_by_role("button", name="Sign assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signed")
    expect(page.get_by_text("Red-flag screen not completed")).to_be_visible()
    draft.refresh_from_db()
    assert draft.red_flag_screen_reason == "Telephone review; screen at the next visit."

    page.goto(f"/assessments/{draft.pk}/summary/")
    summary = page.locator("main, article").first
    expect(summary).to_contain_text("Screen not complete")
    expect(summary).to_contain_text("Telephone review; screen at the next visit.")
    expect(summary).not_to_contain_text("every screening question was answered")
    expect(page).to_have_url(re.compile(r"/summary/$"))
