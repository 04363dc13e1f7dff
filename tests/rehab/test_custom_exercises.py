"""A clinic's own exercises: admins add them, only that clinic sees them."""

import pytest
from django.urls import reverse

from pht.models import AccessLog
from rehab.models import Exercise

FORM = {
    "name": "Cable hip extension",
    "slug": "cable-hip-extension-2",
    "stages": ["2"],
    "load_type": "isotonic",
    "hip_flexion": "low",
    "sets": "3",
    "reps": "10",
    "hold_seconds": "",
    "rest_seconds": "90",
    "intensity": "About 12RM",
    "tempo": "Slow",
    "frequency": "3 times a week",
    "instructions": "Push the leg back against the cable.",
    "cues": "Stay tall\nSqueeze the buttock",
    "avoid": "Arching the back",
    "source_key": "Clinic",
    "source_citation": "Clinic protocol",
    "source_status": "Dev",
    "source_note": "",
}

URL = "/rehab/exercises/new/"


def test_a_clinic_admin_adds_an_exercise(admin_client_a, clinic_a):
    response = admin_client_a.post(URL, FORM)
    exercise = Exercise.objects.get(slug="cable-hip-extension-2")
    assert response.status_code == 302
    assert response["Location"] == reverse("rehab:exercise_detail", args=[exercise.slug])
    assert exercise.clinic == clinic_a
    assert exercise.cues == ["Stay tall", "Squeeze the buttock"]
    assert [link.stage for link in exercise.stage_links.all()] == [2]
    assert AccessLog.objects.get().action == "create"
    assert exercise.history.count() == 1


def test_a_clinician_gets_403(clinician_client):
    assert clinician_client.post(URL, FORM).status_code == 403
    assert not Exercise.objects.filter(slug=FORM["slug"]).exists()


def test_deep_hip_flexion_in_stage_1_is_refused(admin_client_a):
    data = {**FORM, "stages": ["1"], "load_type": "isometric", "hold_seconds": "30"}
    data["hip_flexion"] = "deep"
    response = admin_client_a.post(URL, data)
    assert response.status_code == 200
    assert "deeper than stage 1 allows" in response.content.decode()
    assert not Exercise.objects.filter(slug=FORM["slug"]).exists()


def test_a_shipped_slug_cannot_be_reused(admin_client_a):
    shipped = Exercise.objects.filter(clinic__isnull=True).first()
    response = admin_client_a.post(URL, {**FORM, "slug": shipped.slug})
    assert response.status_code == 200
    assert "shipped exercise already uses" in response.content.decode()
    assert Exercise.objects.filter(slug=shipped.slug).count() == 1


def test_the_owning_clinic_sees_it_in_the_library(clinician_client, custom_exercise):
    response = clinician_client.get(reverse("rehab:exercise_list"))
    assert custom_exercise in list(response.context["exercises"])
    detail = clinician_client.get(reverse("rehab:exercise_detail", args=[custom_exercise.slug]))
    assert detail.status_code == 200


def test_another_clinic_gets_404_and_does_not_see_it(other_client, custom_exercise):
    url = reverse("rehab:exercise_detail", args=[custom_exercise.slug])
    assert other_client.get(url).status_code == 404
    listed = other_client.get(reverse("rehab:exercise_list")).context["exercises"]
    assert custom_exercise not in list(listed)


@pytest.mark.parametrize("slug", ["new"])
def test_reserved_slugs_are_refused(admin_client_a, slug):
    response = admin_client_a.post(URL, {**FORM, "slug": slug})
    assert response.status_code == 200
    assert not Exercise.objects.filter(slug=slug).exists()
