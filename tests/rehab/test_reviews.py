"""Progress reviews: the suggestion, its acceptance, and bad input."""

import datetime

import pytest
from django.urls import reverse

from pht.models import AccessLog
from rehab.models import ProgressReview, RehabPlan, StageChange
from tests.factories import make_review

TODAY = datetime.date.today()


def review_url(plan):
    return reverse("rehab:review_new", args=[plan.pk])


GOOD = {
    "reviewed_on": TODAY.isoformat(),
    "marker_pain": "2",
    "response_24h": "same",
    "sitting_tolerance_min": "40",
    "adherence": "full",
    "notes": "",
    "next_review_on": (TODAY + datetime.timedelta(days=21)).isoformat(),
}


def test_a_review_is_saved_with_the_rules_suggestion(clinician_client, rehab_plan):
    response = clinician_client.post(review_url(rehab_plan), GOOD)
    review = ProgressReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:review_detail", args=[review.pk])
    assert (review.decision, review.stage_at_review, review.suggested_stage) == ("progress", 1, 2)
    assert review.weeks_at_stage == 3.0
    assert review.visa_h is None and review.visa_h_total is None
    assert not review.is_accepted
    assert AccessLog.objects.filter(action="create", object_type="rehab_review").count() == 1
    page = clinician_client.get(response["Location"]).content.decode()
    assert "Suggestion: progress to stage 2" in page
    assert "Pogo Physio: PHT exercise protocol, from a secondary summary" in page
    assert "[C2" not in page and "S15" not in page


@pytest.mark.parametrize(
    ("changes", "decision", "suggested"),
    [
        ({"marker_pain": "5", "response_24h": "worse"}, "regress", 0),
        ({"marker_pain": "5", "response_24h": "same"}, "hold", 1),
        ({"adherence": "poor"}, "hold", 1),
    ],
    ids=["pain 5 and worse -> regress", "pain 5 settled -> hold", "poor adherence -> hold"],
)
def test_the_suggestion_follows_the_pain_monitoring_model(
    clinician_client, rehab_plan, changes, decision, suggested
):
    clinician_client.post(review_url(rehab_plan), {**GOOD, **changes})
    review = ProgressReview.objects.get()
    assert (review.decision, review.suggested_stage) == (decision, suggested)
    rehab_plan.refresh_from_db()
    assert rehab_plan.current_stage == 1


def test_accepting_moves_the_stage_and_is_recorded(
    clinician_client, clinician, rehab_plan, rehab_review
):
    response = clinician_client.post(reverse("rehab:review_accept", args=[rehab_review.pk]))
    assert response.status_code == 302
    rehab_plan.refresh_from_db()
    rehab_review.refresh_from_db()
    assert rehab_plan.current_stage == 2
    assert rehab_plan.stage_since == rehab_review.reviewed_on
    assert rehab_review.accepted_by == clinician
    change = StageChange.objects.get()
    assert (change.from_stage, change.to_stage, change.review) == (1, 2, rehab_review)
    log = AccessLog.objects.get(action="change", object_type="rehab_plan")
    assert "stage 1 to 2" in log.detail


def test_accepting_twice_changes_nothing_more(clinician_client, rehab_plan, rehab_review):
    url = reverse("rehab:review_accept", args=[rehab_review.pk])
    clinician_client.post(url)
    response = clinician_client.post(url, follow=True)
    assert "already accepted" in response.content.decode()
    rehab_plan.refresh_from_db()
    assert rehab_plan.current_stage == 2
    assert StageChange.objects.count() == 1


def test_an_older_review_cannot_move_the_plan_again(
    clinician_client, clinician, rehab_plan, rehab_review
):
    older = make_review(plan=rehab_plan, user=clinician)
    clinician_client.post(reverse("rehab:review_accept", args=[rehab_review.pk]))
    response = clinician_client.post(reverse("rehab:review_accept", args=[older.pk]), follow=True)
    assert "no longer applies" in response.content.decode()
    assert RehabPlan.objects.get().current_stage == 2


def test_the_review_sets_the_plans_next_review_date(clinician_client, rehab_plan):
    form = clinician_client.get(review_url(rehab_plan)).context["form"]
    assert form["next_review_on"].value() == TODAY + datetime.timedelta(weeks=2)
    version = rehab_plan.lock_version
    clinician_client.post(review_url(rehab_plan), GOOD)
    review = ProgressReview.objects.get()
    rehab_plan.refresh_from_db()
    expected = TODAY + datetime.timedelta(days=21)
    assert review.next_review_on == rehab_plan.review_date == expected
    # A plan edit opened before the review is now stale: it cannot undo the new date.
    assert rehab_plan.lock_version == version + 1
    log = AccessLog.objects.get(action="change", object_type="rehab_plan")
    assert log.detail.startswith(f"review date {TODAY + datetime.timedelta(weeks=2)} to {expected}")
    page = clinician_client.get(reverse("rehab:review_detail", args=[review.pk])).content.decode()
    assert f"{expected.day} {expected:%b %Y}" in page


def test_a_hold_is_worded_as_staying_at_the_stage(clinician_client, clinician, rehab_plan):
    review = make_review(plan=rehab_plan, user=clinician, marker_pain=5)
    page = clinician_client.get(reverse("rehab:review_detail", args=[review.pk])).content.decode()
    assert "Suggestion: stay at stage 1 (hold)" in page
    assert "Record the review: stay at stage 1</button>" in page
    assert "Accept: keep" not in page
    response = clinician_client.post(reverse("rehab:review_accept", args=[review.pk]), follow=True)
    assert "Decision recorded: the plan stays at stage 1." in response.content.decode()


def test_a_progression_is_worded_as_moving_on(clinician_client, rehab_review):
    page = clinician_client.get(
        reverse("rehab:review_detail", args=[rehab_review.pk])
    ).content.decode()
    assert "Move the plan on to stage 2</button>" in page


def test_accepting_a_hold_keeps_the_stage(clinician_client, clinician, rehab_plan):
    review = make_review(plan=rehab_plan, user=clinician, marker_pain=5)
    clinician_client.post(reverse("rehab:review_accept", args=[review.pk]))
    rehab_plan.refresh_from_db()
    assert rehab_plan.current_stage == 1
    assert not StageChange.objects.exists()
    review.refresh_from_db()
    assert review.is_accepted


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"marker_pain": "11"}, "marker_pain", "less than or equal to 10"),
        ({"marker_pain": "-1"}, "marker_pain", "greater than or equal to 0"),
        ({"marker_pain": ""}, "marker_pain", "This field is required."),
        ({"sitting_tolerance_min": "-5"}, "sitting_tolerance_min", "greater than or equal to 0"),
        ({"visa_h": "6d0c7a52-6a3f-4c1e-9d6e-2b8f0f1a7c11"}, "visa_h", "Select a valid choice"),
        ({"next_review_on": ""}, "next_review_on", "This field is required."),
        ({"next_review_on": "2020-01-01"}, "next_review_on", "cannot be in the past"),
        ({"next_review_on": TODAY.isoformat()}, "next_review_on", "comes after this one"),
        ({"next_review_on": "2999-01-01"}, "next_review_on", "within a year"),
        ({"response_24h": "fine"}, "response_24h", "Select a valid choice"),
        ({"adherence": ""}, "adherence", "This field is required."),
        ({"reviewed_on": "2999-01-01"}, "reviewed_on", "cannot be in the future"),
        ({"marker_pain": "abc"}, "marker_pain", "Enter a whole number."),
    ],
    ids=lambda v: str(v),
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    clinician_client, rehab_plan, changes, field, message
):
    response = clinician_client.post(review_url(rehab_plan), {**GOOD, **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not ProgressReview.objects.exists()
    assert not AccessLog.objects.filter(object_type="rehab_review").exists()


def test_stage_4_reviews_suggest_a_walk_run_step(clinician_client, clinician, signed_assessment):
    from tests.factories import make_plan

    plan = make_plan(
        assessment=signed_assessment,
        user=clinician,
        stage=4,
        started_on=TODAY - datetime.timedelta(weeks=2),
    )
    assert plan.run_step == 1
    clinician_client.post(review_url(plan), {**GOOD, "pain_during_run": "1"})
    review = ProgressReview.objects.get()
    assert review.run_suggestion["decision"] == "advance"
    assert review.run_suggestion["suggested_step"] == 2
    clinician_client.post(reverse("rehab:review_accept", args=[review.pk]))
    plan.refresh_from_db()
    assert (plan.current_stage, plan.run_step) == (4, 2)


def test_the_stage_4_plan_page_shows_return_to_running(
    clinician_client, clinician, signed_assessment
):
    from tests.factories import make_plan

    plan = make_plan(assessment=signed_assessment, user=clinician, stage=4)
    content = clinician_client.get(reverse("rehab:plan_detail", args=[plan.pk])).content.decode()
    assert "Return to running" in content
    assert "drop lunge" in content
    assert "Volume → Speed → Hills" in content
    assert "Unconfirmed" in content and "[M]" not in content
    assert "PhysioAdvisor: return-to-running programme" in content  # the walk-run source
    assert "20 minutes of continuous easy jogging." in content


def test_a_stage_1_plan_page_does_not_show_return_to_running(clinician_client, rehab_plan):
    content = clinician_client.get(reverse("rehab:plan_detail", args=[rehab_plan.pk])).content
    assert b"Walk-run progression" not in content
