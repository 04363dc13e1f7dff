"""Another clinic gets 404 on plans, reviews, handouts and custom exercises; nothing changes."""

import pytest
from django.urls import reverse

from pht.models import AccessLog
from rehab.models import ProgressReview, RehabPlan, StageChange


@pytest.mark.parametrize(
    "name", ["plan_detail", "plan_edit", "review_new", "handout", "handout_pdf"]
)
def test_another_clinic_gets_404_on_plan_pages(other_client, rehab_plan, name):
    assert other_client.get(reverse(f"rehab:{name}", args=[rehab_plan.pk])).status_code == 404
    assert not AccessLog.objects.filter(user__username="dev").exists()


def test_another_clinic_cannot_add_a_review(other_client, rehab_plan):
    url = reverse("rehab:review_new", args=[rehab_plan.pk])
    response = other_client.post(url, {"marker_pain": "1", "response_24h": "same"})
    assert response.status_code == 404
    assert not ProgressReview.objects.exists()


def test_another_clinic_gets_404_on_reviews(other_client, rehab_review):
    assert (
        other_client.get(reverse("rehab:review_detail", args=[rehab_review.pk])).status_code == 404
    )
    response = other_client.post(reverse("rehab:review_accept", args=[rehab_review.pk]))
    assert response.status_code == 404
    rehab_review.refresh_from_db()
    assert not rehab_review.is_accepted
    assert RehabPlan.objects.get().current_stage == 1
    assert not StageChange.objects.exists()


def test_another_clinic_cannot_plan_from_our_assessment(other_client, signed_assessment):
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {}).status_code == 404
    assert not RehabPlan.objects.exists()


def test_another_clinic_gets_404_on_custom_exercises(other_client, custom_exercise):
    url = reverse("rehab:exercise_detail", args=[custom_exercise.slug])
    assert other_client.get(url).status_code == 404
