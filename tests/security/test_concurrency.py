"""Two clinicians editing the same record: the second save is refused, never silently lost.

Assessment drafts (tests/assessments/test_assessment_form.py covers the basic case) and rehab
plans both carry a ``lock_version``; a form made from an older version answers 409 with a
message saying what happened, and the database keeps the first save.
"""

import datetime

import pytest
from django.urls import reverse

from pht.audit import Actor
from pht.models import AccessLog
from rehab import services as rehab_services
from rehab.models import PlanExercise, RehabPlan
from tests.factories import make_review
from tests.rehab.test_plans import post_data

PLAN_CONFLICT = "Someone else changed this plan after you opened it"
DRAFT_CONFLICT = "Someone else saved this draft after you opened it"


def plan_edit_url(plan):
    return reverse("rehab:plan_edit", args=[plan.pk])


def in_days(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def first_row(page):
    return page.context["formset"].forms[0]


def test_the_second_of_two_plan_edits_is_refused(clinician_client, colleague_client, rehab_plan):
    mine = clinician_client.get(plan_edit_url(rehab_plan))
    theirs = colleague_client.get(plan_edit_url(rehab_plan))
    row = first_row(mine)
    first = post_data(mine, review_date=in_days(20))
    first[row.add_prefix("sets")] = "5"
    second = post_data(theirs, review_date=in_days(40))
    second[row.add_prefix("sets")] = "2"

    assert clinician_client.post(plan_edit_url(rehab_plan), first).status_code == 302
    response = colleague_client.post(plan_edit_url(rehab_plan), second)

    assert response.status_code == 409
    assert PLAN_CONFLICT in response.content.decode()
    rehab_plan.refresh_from_db()
    assert rehab_plan.review_date.isoformat() == in_days(20)
    item = PlanExercise.objects.get(plan=rehab_plan, exercise_id=row.initial["exercise"])
    assert item.sets == "5"


def test_a_refused_plan_edit_writes_nothing(clinician_client, colleague_client, rehab_plan):
    mine = clinician_client.get(plan_edit_url(rehab_plan))
    theirs = colleague_client.get(plan_edit_url(rehab_plan))
    clinician_client.post(plan_edit_url(rehab_plan), post_data(mine, notes="first"))
    plan_history = rehab_plan.history.count()
    changes = AccessLog.objects.filter(action="change").count()

    colleague_client.post(plan_edit_url(rehab_plan), post_data(theirs, notes="second"))

    assert rehab_plan.history.count() == plan_history
    assert AccessLog.objects.filter(action="change").count() == changes
    assert RehabPlan.objects.get().notes == "first"


def test_every_plan_save_moves_the_version_on(clinician_client, rehab_plan):
    page = clinician_client.get(plan_edit_url(rehab_plan))
    clinician_client.post(plan_edit_url(rehab_plan), post_data(page))
    rehab_plan.refresh_from_db()
    assert rehab_plan.lock_version == 1


def test_the_same_clinician_can_save_twice_from_fresh_pages(clinician_client, rehab_plan):
    for notes in ("first", "second"):
        page = clinician_client.get(plan_edit_url(rehab_plan))
        response = clinician_client.post(plan_edit_url(rehab_plan), post_data(page, notes=notes))
        assert response.status_code == 302
    assert RehabPlan.objects.get().notes == "second"


def test_an_accepted_review_makes_an_open_plan_form_stale(
    clinician_client, colleague_client, rehab_plan, clinician
):
    page = clinician_client.get(plan_edit_url(rehab_plan))
    review = make_review(plan=rehab_plan, user=clinician)
    colleague_client.post(reverse("rehab:review_accept", args=[review.pk]))
    rehab_plan.refresh_from_db()
    stage = rehab_plan.current_stage
    assert stage == 2  # the review moved the plan on: the open form was made for stage 1

    response = clinician_client.post(plan_edit_url(rehab_plan), post_data(page, notes="late"))

    assert response.status_code == 409
    assert PLAN_CONFLICT in response.content.decode()
    assert RehabPlan.objects.get().notes == ""


def test_a_plan_edit_without_its_version_is_refused(clinician_client, rehab_plan):
    page = clinician_client.get(plan_edit_url(rehab_plan))
    data = post_data(page, notes="no version")
    del data["lock_version"]
    response = clinician_client.post(plan_edit_url(rehab_plan), data)
    assert response.status_code == 409
    assert RehabPlan.objects.get().notes == ""


def test_the_service_refuses_a_stale_version_under_its_row_lock(rehab_plan, clinician):
    """The view's early check can race; the service's check under select_for_update cannot."""
    items = [
        rehab_services.PlanItem(exercise=item.exercise, dosage={"sets": "3"})
        for item in rehab_plan.items.select_related("exercise")
    ]
    with pytest.raises(rehab_services.StalePlan, match=PLAN_CONFLICT):
        rehab_services.update_plan(
            actor=Actor(clinician, rehab_plan.clinic),
            plan=rehab_plan,
            goals_need_running=True,
            review_date=rehab_plan.review_date,
            items=items,
            notes="stale",
            lock_version=rehab_plan.lock_version + 1,
        )
    assert RehabPlan.objects.get().notes == ""


def test_the_second_of_two_draft_edits_is_refused_and_the_first_kept(
    clinician_client, colleague_client, draft_assessment
):
    from tests.assessments.test_assessment_form import BASE, edit_url

    mine = clinician_client.get(edit_url(draft_assessment)).context["form"].initial
    theirs = colleague_client.get(edit_url(draft_assessment)).context["form"].initial
    first = {**BASE, "lock_version": mine["lock_version"], "clinical_notes": "Ada's notes"}
    second = {**BASE, "lock_version": theirs["lock_version"], "clinical_notes": "Ben's notes"}

    assert clinician_client.post(edit_url(draft_assessment), first).status_code == 302
    response = colleague_client.post(edit_url(draft_assessment), second)

    assert response.status_code == 409
    assert DRAFT_CONFLICT in response.content.decode()
    draft_assessment.refresh_from_db()
    assert draft_assessment.clinical_notes == "Ada's notes"
    assert draft_assessment.lock_version == 1
