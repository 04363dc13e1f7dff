"""Demo plans for seed_demo."""

from rehab.demo import DEMO_PLAN_PATIENTS, seed_demo_plans
from rehab.models import ProgressReview, RehabPlan, StageChange
from tests.factories import SCREEN_NEGATIVE, PatientFactory, make_assessment

NOT_PHT = {
    **SCREEN_NEGATIVE,
    "onset": "gradual",
    "duration_weeks": 2,
    "pain_location": ["lower_back", "below_knee"],
}


def test_three_patients_get_plans_at_stages_1_2_and_4(clinic_a, clinician):
    for identifier in DEMO_PLAN_PATIENTS:
        patient = PatientFactory(clinic=clinic_a, identifier=identifier)
        make_assessment(patient=patient, user=clinician, sign=True)
    assert seed_demo_plans(clinic=clinic_a, clinician=clinician) == 3
    stages = list(
        RehabPlan.objects.order_by("patient__identifier").values_list("current_stage", flat=True)
    )
    assert stages == [1, 2, 4]
    assert StageChange.objects.count() == 1 + 3
    assert ProgressReview.objects.count() == 3 + 1 + 3
    stage_4 = RehabPlan.objects.get(current_stage=4)
    assert stage_4.run_step == 1
    assert ProgressReview.objects.filter(plan=stage_4, run_suggestion__isnull=False).exists()


def test_it_is_idempotent(clinic_a, clinician):
    for identifier in DEMO_PLAN_PATIENTS:
        patient = PatientFactory(clinic=clinic_a, identifier=identifier)
        make_assessment(patient=patient, user=clinician, sign=True)
    assert seed_demo_plans(clinic=clinic_a, clinician=clinician) == 3
    assert seed_demo_plans(clinic=clinic_a, clinician=clinician) == 0
    assert RehabPlan.objects.count() == 3


def test_only_the_named_demo_patients_get_plans(clinic_a, clinician, signed_assessment):
    assert seed_demo_plans(clinic=clinic_a, clinician=clinician) == 0
    assert not RehabPlan.objects.exists()


def test_drafts_and_other_diagnoses_are_skipped(clinic_a, clinician):
    drafted = PatientFactory(clinic=clinic_a, identifier=DEMO_PLAN_PATIENTS[0])
    make_assessment(patient=drafted, user=clinician)
    other = PatientFactory(clinic=clinic_a, identifier=DEMO_PLAN_PATIENTS[1])
    assert make_assessment(patient=other, user=clinician, findings=NOT_PHT, sign=True).stage == ""
    assert seed_demo_plans(clinic=clinic_a, clinician=clinician) == 0
