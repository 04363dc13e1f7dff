"""The consultation with a tablet in hand (issue 14), at phone, tablet and desktop widths:

- the emergency flag is in view the moment "saddle numbness: yes" is answered;
- the draft saves itself, survives a session that ended and a reload, and keeps every answer;
- a double click on Sign signs once and shows no error page;
- axe finds nothing serious on the consultation page at any width.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from assessments.models import Assessment
from pht.models import AccessLog
from tests.e2e.conftest import PASSWORD, choose, log_in, screenshot
from tests.factories import make_assessment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {
    "phone": {"width": 390, "height": 844},
    "tablet": {"width": 820, "height": 1180},
    "desktop": {"width": 1366, "height": 768},
}


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_emergency_flag_is_in_view_right_after_saddle_numbness_yes(
    page, clinician, patient, width
):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    page.goto(f"/patients/{patient.pk}/assessments/new/")
    group = page.get_by_role("group", name="Saddle numbness", exact=True)
    group.scroll_into_view_if_needed()
    with page.expect_response(lambda r: r.url.endswith("/assessments/panel/")):
        choose(page, "Saddle numbness", "Yes")
    flag = page.locator("#reasoning-summary .red-flag-emergency")
    expect(flag).to_contain_text("Possible cauda equina syndrome")
    assert _in_viewport(page, flag), f"the flag is out of view at {width} width"
    page.screenshot(
        path=str(
            screenshot(page, f"15-emergency-full-{width}").with_name(
                f"15-emergency-in-view-{width}.png"
            )
        )
    )


def _answer(page, group: str, option: str) -> None:
    with page.expect_response(lambda r: "/autosave/" in r.url):
        choose(page, group, option)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_draft_survives_an_expired_session_and_a_reload(page, clinician, patient, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    page.goto(f"/patients/{patient.pk}/assessments/new/")
    _answer(page, "Onset", "Gradual")
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    draft = Assessment.objects.get(patient=patient)
    expect(page).to_have_url(f"/assessments/{draft.pk}/edit/")

    # The session ends (idle limit, or the server restarted without it) while recording.
    Session.objects.all().delete()
    choose(page, "Night pain", "Yes")
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("signed out")
    draft.refresh_from_db()
    assert "night_pain" not in draft.findings

    # Signing in again returns to the draft with the answer given after the session ended.
    page.locator("#signed-out").get_by_role("link").click()
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"/assessments/{draft.pk}/edit/")
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    draft.refresh_from_db()
    assert draft.findings["night_pain"] is True and draft.findings["onset"] == "gradual"

    page.reload()
    group = page.get_by_role("group", name="Night pain", exact=True)
    expect(group.get_by_label("Yes", exact=True)).to_be_checked()
    expect(
        page.get_by_role("group", name="Onset", exact=True).get_by_label("Gradual")
    ).to_be_checked()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_double_click_on_sign_signs_once_without_an_error_page(page, clinician, patient, width):
    draft = make_assessment(patient=patient, user=clinician)
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    page.goto(f"/assessments/{draft.pk}/")
    page.get_by_role("button", name="Sign assessment").dblclick()
    expect(page.get_by_text("Signed by", exact=False).first).to_be_visible(timeout=20_000)
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).not_to_contain_text("Server error")
    draft.refresh_from_db()
    assert draft.is_signed
    assert AccessLog.objects.filter(object_id=draft.pk, detail__startswith="signed").count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_the_consultation_page_has_no_serious_axe_violations(page, clinician, patient, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    page.goto(f"/patients/{patient.pk}/assessments/new/")
    with page.expect_response(lambda r: r.url.endswith("/assessments/panel/")):
        choose(page, "Saddle numbness", "Yes")
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert blocking == []
    screenshot(page, f"16-consultation-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_double_click_on_archive_archives_once(page, clinic_admin, patient, width):
    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinic_admin)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_text("Archive…", exact=True).click()
    page.get_by_role("button", name="Archive patient").dblclick()
    # The second click's request queues for the database's write lock behind the first.
    expect(page.locator(".archived-banner")).to_contain_text("Archived", timeout=20_000)
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).not_to_contain_text("Server error")
    assert AccessLog.objects.filter(patient_id=patient.pk, action="archive").count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_a_double_click_on_save_the_plan_makes_one_plan(page, clinician, signed_assessment, width):
    from rehab.models import RehabPlan

    page.set_viewport_size(WIDTHS[width])
    log_in(page, clinician)
    page.goto(f"/rehab/assessments/{signed_assessment.pk}/plan/")
    page.locator('input[name="add"]').first.check()  # the rules' first suggestion
    page.get_by_role("button", name="Save the plan").dblclick()
    expect(page.get_by_role("status").filter(has_text="Rehab plan saved")).to_be_visible(
        timeout=20_000
    )
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).not_to_contain_text("Server error")
    assert RehabPlan.objects.filter(assessment=signed_assessment).count() == 1
