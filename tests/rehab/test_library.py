"""The exercise library as loaded into the database by the data migration."""

import re

import pytest
from django.urls import reverse

from pht.models import AccessLog
from pht.rules.rehab import exercise_specs_from_list
from rehab import services
from rehab.library import read_library
from rehab.models import Exercise, ExerciseStage

pytestmark = pytest.mark.django_db


def shipped():
    return list(Exercise.objects.filter(clinic__isnull=True).prefetch_related("stage_links"))


def test_the_migration_loads_every_shipped_exercise():
    assert {e.slug for e in shipped()} == {entry["slug"] for entry in read_library()}
    assert len(shipped()) >= 30


def test_every_exercise_in_the_database_is_valid_for_the_rules():
    for exercise in shipped():
        spec = services.spec_for(exercise)
        assert spec.stages, exercise.slug
        assert exercise.instructions and exercise.cues and exercise.avoid and exercise.source_key
    # The database copy also passes the full library validator.
    exercise_specs_from_list(read_library())


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_every_stage_is_covered(stage):
    assert Exercise.objects.filter(clinic__isnull=True, stage_links__stage=stage).count() >= 4


def test_nothing_in_stage_1_has_moderate_or_deep_hip_flexion():
    offenders = Exercise.objects.filter(stage_links__stage=1, hip_flexion__in=["moderate", "deep"])
    assert list(offenders) == []


def test_loading_again_changes_nothing():
    before = sorted(Exercise.objects.values_list("id", "slug", "updated_at"))
    stages = ExerciseStage.objects.count()
    services.load_shipped_library()
    after = sorted(Exercise.objects.values_list("id", "slug"))
    assert [(i, s) for i, s, _ in before] == after
    assert ExerciseStage.objects.count() == stages


def test_an_exercise_dropped_from_the_file_is_retired_not_deleted():
    entries = read_library()
    services.load_shipped_library(entries[1:])
    dropped = Exercise.objects.get(clinic__isnull=True, slug=entries[0]["slug"])
    assert dropped.status == Exercise.Status.RETIRED


def test_the_library_filters_by_stage_and_load_type(clinician_client):
    response = clinician_client.get(
        reverse("rehab:exercise_list"), {"stage": "1", "load_type": "isometric"}
    )
    assert response.status_code == 200
    listed = list(response.context["exercises"])
    assert listed
    assert all(e.load_type == "isometric" for e in listed)
    assert all(1 in [link.stage for link in e.stage_links.all()] for e in listed)


def test_an_unknown_filter_value_is_ignored_not_an_error(clinician_client):
    response = clinician_client.get(reverse("rehab:exercise_list"), {"stage": "9"})
    assert response.status_code == 200
    assert len(response.context["exercises"]) == len(shipped())


def test_an_exercise_page_shows_dosage_cues_and_source(clinician_client):
    exercise = shipped()[0]
    response = clinician_client.get(reverse("rehab:exercise_detail", args=[exercise.slug]))
    assert response.status_code == 200
    content = response.content.decode()
    assert exercise.cues[0] in content
    assert not AccessLog.objects.exists()


def test_exercise_pages_show_readable_sources_not_keys_or_status_letters(clinician_client):
    # A shipped exercise whose stored source uses a pseudo-key and an internal reference.
    exercise = next(e for e in shipped() if e.source_key.startswith("KNOWLEDGE"))
    detail = clinician_client.get(reverse("rehab:exercise_detail", args=[exercise.slug]))
    listing = clinician_client.get(reverse("rehab:exercise_list"))
    for content in (detail.content.decode(), listing.content.decode()):
        assert "KNOWLEDGE" not in content
        assert not re.search(r"\[(C|C2|M|Dev)\b", content)
        assert not re.search(r">\s*(C|C2|M|Dev)\s*<", content), "no bare status letters"
    assert "not yet confirmed against the original paper" in detail.content.decode()
    assert "Goom et al. 2016" in detail.content.decode()


@pytest.mark.parametrize(
    "dosage, summary",
    [
        (
            {"sets": "5", "hold_seconds": "30-45", "rest_seconds": "60-120"},
            "5 sets x 30-45 s hold, rest 60-120 s",
        ),
        (
            {"sets": "3", "reps": "8-15 each side", "rest_seconds": "90"},
            "3 sets x 8-15 each side, rest 90 s",
        ),
        ({"sets": "3", "reps": "6-10", "rest_seconds": "90"}, "3 sets x 6-10 reps, rest 90 s"),
        (
            {"sets": "1", "reps": "4-6 x 60-80 m", "rest_seconds": "60-90 (walk back)"},
            "1 set x 4-6 x 60-80 m, rest 60-90 (walk back)",
        ),
        ({"sets": "4", "reps": "5-minute blocks", "rest_seconds": "0"}, "4 sets x 5-minute blocks"),
    ],
)
def test_the_dosage_summary_adds_units_only_to_bare_numbers(dosage, summary):
    assert Exercise(**dosage).dosage_summary == summary
