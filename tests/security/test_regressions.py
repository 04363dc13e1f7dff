"""Defects the security matrix and the fuzz suite found, one regression test each."""

import datetime

from django.urls import reverse

from rehab.models import RehabPlan
from tests.rehab.test_plans import post_data


def in_days(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def test_an_empty_post_to_the_new_plan_form_is_a_message_not_a_500(
    clinician_client, signed_assessment
):
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    response = clinician_client.post(url, {})
    assert response.status_code == 200
    assert "The list of exercises changed; reload the page." in response.content.decode()
    assert not RehabPlan.objects.exists()


def test_a_plan_form_with_a_missing_row_is_refused_not_a_500(clinician_client, rehab_plan):
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    data = post_data(clinician_client.get(url), notes="tampered")
    data["items-TOTAL_FORMS"] = str(int(data["items-TOTAL_FORMS"]) - 1)
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "The list of exercises changed; reload the page." in response.content.decode()
    assert RehabPlan.objects.get().notes == ""


def test_a_plan_form_with_an_extra_row_is_refused_not_a_500(clinician_client, signed_assessment):
    url = reverse("rehab:plan_new", args=[signed_assessment.pk])
    data = post_data(clinician_client.get(url))
    data["items-TOTAL_FORMS"] = str(int(data["items-TOTAL_FORMS"]) + 1)
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert not RehabPlan.objects.exists()


def test_a_plan_row_naming_no_exercise_is_refused_with_a_message(clinician_client, rehab_plan):
    """Found by fuzzing: the hidden field's own error ("This field is required.") was never
    shown, so the page refused the form without saying why."""
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    data = post_data(clinician_client.get(url), notes="tampered")
    data["items-0-exercise"] = ""
    response = clinician_client.post(url, data)
    assert response.status_code == 200
    assert "The list of exercises changed; reload the page." in response.content.decode()
    assert RehabPlan.objects.get().notes == ""


def test_a_plan_row_naming_another_exercise_is_refused(clinician_client, rehab_plan):
    url = reverse("rehab:plan_edit", args=[rehab_plan.pk])
    data = post_data(clinician_client.get(url), notes="swapped")
    data["items-0-exercise"], data["items-1-exercise"] = (
        data["items-1-exercise"],
        data["items-0-exercise"],
    )
    response = clinician_client.post(url, data)
    assert "The list of exercises changed; reload the page." in response.content.decode()
    assert RehabPlan.objects.get().notes == ""
