"""``manage.py seed_scale``: realistic, rules-evaluated data in the demo clinic, re-runnable."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from assessments.models import Assessment, Patient
from pht.models import Clinic
from pht.rules.version import RULES_VERSION

pytestmark = pytest.mark.django_db

DEMO_CLINIC = "Demo Physio Clinic"


def seed_scale(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", workers=0, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def scale_patients():
    return Patient.objects.filter(clinic__name=DEMO_CLINIC, identifier__startswith="SC-")


def test_seeds_the_patients_and_assessments_asked_for_in_the_demo_clinic():
    seed_scale(patients=30, assessments_per_patient=2)
    assert scale_patients().count() == 30
    assessments = Assessment.objects.filter(patient__in=scale_patients())
    assert 30 <= assessments.count() <= 60  # up to K each
    assert set(assessments.values_list("clinic__name", flat=True)) == {DEMO_CLINIC}


def test_assessments_are_evaluated_by_the_rules_and_varied():
    seed_scale(patients=40, assessments_per_patient=2)
    assessments = Assessment.objects.filter(patient__in=scale_patients())
    assert set(assessments.values_list("rules_version", flat=True)) == {RULES_VERSION}
    first = assessments.first()
    ranked = first.evaluation["differentials"]
    assert first.top_diagnosis == ranked[0]["slug"]
    assert len(set(assessments.values_list("top_diagnosis", flat=True))) >= 4
    assert len(set(scale_patients().values_list("family_name", flat=True))) >= 10


def test_re_running_adds_only_what_is_missing():
    seed_scale(patients=10, assessments_per_patient=2)
    before = Assessment.objects.count()
    seed_scale(patients=10, assessments_per_patient=2)
    assert Assessment.objects.count() == before
    seed_scale(patients=12, assessments_per_patient=2)
    assert scale_patients().count() == 12
    assert Assessment.objects.count() > before


def test_the_demo_clinic_is_created_when_missing():
    assert not Clinic.objects.filter(name=DEMO_CLINIC).exists()
    seed_scale(patients=2, assessments_per_patient=1)
    assert Clinic.objects.filter(name=DEMO_CLINIC).exists()


def test_the_audit_chains_still_verify_after_seeding():
    seed_scale(patients=5, assessments_per_patient=1)
    call_command("verify_audit", stdout=io.StringIO())  # raises CommandError when broken


@pytest.mark.parametrize("options", [{"patients": -1}, {"assessments_per_patient": 101}])
def test_out_of_range_sizes_are_refused_with_a_message(options):
    with pytest.raises(CommandError, match="must be"):
        seed_scale(**{"patients": 1, "assessments_per_patient": 1, **options})
    assert not Patient.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics: PostgreSQL")
def test_planner_statistics_are_refreshed_on_postgresql():
    out = seed_scale(patients=5, assessments_per_patient=1)
    assert "Refreshing planner statistics (ANALYZE)" in out  # inside the test's transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [Assessment._meta.db_table]
        )
        assert cursor.fetchone()[0] >= 5  # -1 until analysed
