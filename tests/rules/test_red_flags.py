"""Red flags: graded by severity and site, raised only by their own findings, kept apart from
risk factors."""

import pytest

from pht.rules import evaluate

EMERGENCY, URGENT, SOON = "emergency", "urgent", "soon"

CASES = [
    # Cauda equina signs: emergency, whatever else.
    ({"saddle_anaesthesia": True}, "cauda_equina", EMERGENCY),
    ({"bladder_bowel_change": True}, "cauda_equina", EMERGENCY),
    ({"sexual_dysfunction_new": True}, "cauda_equina", EMERGENCY),
    ({"neuro_deficit": True, "neuro_deficit_extent": "bilateral"}, "cauda_equina", EMERGENCY),
    # Bilateral leg symptoms: suspected cauda equina, urgent.
    ({"bilateral_leg_symptoms": True}, "suspected_cauda_equina", URGENT),
    ({"side": "bilateral", "pain_below_knee": True}, "suspected_cauda_equina", URGENT),
    # Graded neurological deficit.
    (
        {"neuro_deficit": True, "neuro_deficit_progressive": True},
        "severe_neurological_deficit",
        URGENT,
    ),
    ({"neuro_deficit": True, "foot_drop": True}, "severe_neurological_deficit", URGENT),
    ({"neuro_deficit": True, "motor_grade_weakest": 3}, "severe_neurological_deficit", URGENT),
    (
        {"neuro_deficit": True, "neuro_deficit_extent": "multiple_roots"},
        "severe_neurological_deficit",
        URGENT,
    ),
    # Infection: same day with acute pain, else urgent.
    ({"fever": True, "duration_weeks": 1}, "suspected_infection", EMERGENCY),
    ({"temperature_c": 38.6, "onset": "sudden"}, "suspected_infection", EMERGENCY),
    ({"fever": True, "immunosuppressed": True}, "suspected_infection", EMERGENCY),
    ({"fever": True, "duration_weeks": 20}, "suspected_infection", URGENT),
    ({"fever": True}, "suspected_infection", EMERGENCY),  # not known to be long-standing
    ({"fever": True, "age": 15, "duration_weeks": 20}, "suspected_infection", EMERGENCY),
    ({"temperature_c": 39.4, "duration_weeks": 20}, "suspected_infection", EMERGENCY),
    # Malignancy: cancer history urgent; weight loss alone soon.
    ({"cancer_history": True}, "suspected_malignancy", URGENT),
    ({"weight_loss_unexplained": True, "age": 62}, "suspected_malignancy", URGENT),
    ({"weight_loss_unexplained": True, "night_pain": True}, "suspected_malignancy", URGENT),
    ({"weight_loss_unexplained": True, "age": 30}, "suspected_malignancy", SOON),
    # Avulsion.
    ({"palpable_gap": True}, "acute_avulsion", URGENT),
    ({"imaging": {"full_avulsion": True}}, "acute_avulsion", URGENT),
    ({"onset": "sudden", "bruising": True}, "acute_avulsion", URGENT),
    ({"onset": "sudden", "bruising": True, "age": 35}, "acute_avulsion", URGENT),
    # Apophysis: displacement decides.
    ({"imaging": {"apophyseal_displacement_mm": 22}}, "displaced_apophyseal_avulsion", URGENT),
    ({"age": 14, "palpable_gap": True}, "displaced_apophyseal_avulsion", URGENT),
    ({"imaging": {"apophyseal_displacement_mm": 15}}, "adolescent_apophyseal_injury", SOON),
    ({"imaging": {"apophyseal_avulsion": True}}, "adolescent_apophyseal_injury", SOON),
    ({"age": 17, "onset": "sudden"}, "adolescent_apophyseal_injury", SOON),
    ({"age": 14, "tenderness_ischial_tuberosity": True}, "adolescent_apophyseal_injury", SOON),
    # Bone stress by site.
    (
        {"imaging": {"stress_fracture": True, "stress_fracture_site": "femoral_neck_tension"}},
        "femoral_neck_bone_stress",
        URGENT,
    ),
    (
        {"imaging": {"stress_fracture_site": "femoral_neck_compression"}},
        "femoral_neck_bone_stress",
        URGENT,
    ),
    (
        {"groin_pain_on_loading": True, "recent_training_load_change": True},
        "femoral_neck_bone_stress",
        URGENT,
    ),
    (
        {"pain_location": ["groin"], "amenorrhoea_or_red_s_risk": True},
        "femoral_neck_bone_stress",
        URGENT,
    ),
    ({"imaging": {"stress_fracture_site": "sacrum"}}, "bone_stress_injury", SOON),
    ({"imaging": {"stress_fracture_site": "pubic_ramus"}}, "bone_stress_injury", SOON),
    ({"imaging": {"stress_fracture_site": "ischium"}}, "bone_stress_injury", SOON),
    ({"imaging": {"stress_fracture": True}}, "bone_stress_injury", SOON),
    ({"hop_test_pain": True}, "bone_stress_injury", SOON),
]


@pytest.mark.parametrize(("findings", "slug", "urgency"), CASES, ids=lambda v: str(v))
def test_findings_raise_their_flag_at_its_grade(findings: dict, slug: str, urgency: str) -> None:
    [flag] = evaluate(findings).red_flags
    assert (flag.slug, flag.urgency) == (slug, urgency)
    assert flag.action and flag.message and flag.citation


@pytest.mark.parametrize(
    "findings",
    [
        {"saddle_anaesthesia": False, "bladder_bowel_change": False},
        {"onset": "sudden"},
        {"bruising": True},
        {"age": 30, "onset": "sudden"},
        {"age": 20, "tenderness_ischial_tuberosity": True},
        {"imaging": {"partial_tear": True, "bone_marrow_oedema": True}},
        # A stable single-root deficit is part of radiculopathy, not a red flag.
        {"neuro_deficit": True},
        {
            "neuro_deficit": True,
            "neuro_deficit_extent": "single_root",
            "neuro_deficit_progressive": False,
            "motor_grade_weakest": 4,
            "foot_drop": False,
        },
        # Risk factors alone are not flags.
        {"amenorrhoea_or_red_s_risk": True},
        {"amenorrhoea_or_red_s_risk": True, "recent_training_load_change": True},
        {"postpartum": True},
        {"previous_bone_stress_injury": True},
        {"age": 70},
        {"night_pain": True},
        {"immunosuppressed": True},
        # Bilateral buttock pain without leg symptoms.
        {"side": "bilateral", "pain_location": ["ischial_tuberosity"]},
        # Groin pain without a bone-stress context (e.g. hip osteoarthritis).
        {"age": 68, "pain_location": ["groin"], "groin_pain_on_loading": True},
        {"temperature_c": 37.4},
    ],
    ids=str,
)
def test_no_flag_without_its_findings(findings: dict) -> None:
    assert evaluate(findings).red_flags == ()


def test_risk_factors_raise_the_matching_diagnosis_with_a_consider() -> None:
    result = evaluate({"amenorrhoea_or_red_s_risk": True, "recent_training_load_change": True})
    [note] = result.risk_factors
    assert note.diagnosis == "stress_fracture"
    assert note.text.startswith("Low energy availability")
    assert "consider" in note.text
    assert result.differential("stress_fracture").score > -2.0


def test_other_findings_cannot_suppress_a_hard_flag() -> None:
    reassuring = {
        "onset": "gradual",
        "pain_location": ["ischial_tuberosity"],
        "pain_with_sitting": True,
        "modified_bent_knee_stretch": "positive",
        "bent_knee_stretch": "positive",
        "puranen_orava": "positive",
        "neuro_deficit": False,
        "slr_positive": False,
        "bladder_bowel_change": False,
        "imaging": {"bone_stress_excluded": True},
    }
    flags = evaluate({**reassuring, "saddle_anaesthesia": True}).red_flags
    assert [(flag.slug, flag.urgency) for flag in flags] == [("cauda_equina", EMERGENCY)]


def test_bilateral_leg_pain_says_which_cauda_equina_questions_are_unasked() -> None:
    result = evaluate({"bilateral_leg_symptoms": True, "back_pain": True})
    [flag] = result.red_flags
    assert flag.slug == "suspected_cauda_equina"
    assert flag.unasked == ("saddle_anaesthesia", "bladder_bowel_change", "sexual_dysfunction_new")
    assert "Not yet asked: saddle numbness" in flag.message
    assert flag.diagnosis == "cauda_equina"
    first = [test.finding for test in result.next_tests[:3]]
    assert first == ["saddle_anaesthesia", "bladder_bowel_change", "sexual_dysfunction_new"]


def test_bilateral_leg_pain_with_the_questions_answered_no_points_to_the_nerve_roots() -> None:
    [flag] = evaluate(
        {
            "bilateral_leg_symptoms": True,
            "saddle_anaesthesia": False,
            "bladder_bowel_change": False,
            "sexual_dysfunction_new": False,
        }
    ).red_flags
    assert (flag.slug, flag.urgency, flag.diagnosis) == (
        "suspected_cauda_equina",
        URGENT,
        "lumbar_radiculopathy",
    )
    assert flag.unasked == ()


def test_a_cauda_equina_sign_replaces_the_suspected_flag() -> None:
    flags = evaluate({"bilateral_leg_symptoms": True, "saddle_anaesthesia": True}).red_flags
    assert [flag.slug for flag in flags] == ["cauda_equina"]


def test_a_normal_mri_retires_a_bone_stress_suspicion() -> None:
    suspected = {"groin_pain_on_loading": True, "recent_training_load_change": True}
    assert evaluate(suspected).red_flags
    cleared = evaluate({**suspected, "imaging": {"bone_stress_excluded": True}})
    assert cleared.red_flags == ()


def test_a_normal_mri_does_not_retire_a_fracture_seen_on_imaging() -> None:
    flags = evaluate(
        {"imaging": {"stress_fracture_site": "femoral_neck_tension", "bone_stress_excluded": True}}
    ).red_flags
    assert [flag.slug for flag in flags] == ["femoral_neck_bone_stress"]


def test_flags_are_listed_most_urgent_first() -> None:
    flags = evaluate(
        {"hop_test_pain": True, "cancer_history": True, "saddle_anaesthesia": True}
    ).red_flags
    assert [flag.urgency for flag in flags] == [EMERGENCY, URGENT, SOON]


def test_an_adolescent_with_sudden_onset_and_bruising_is_read_as_apophyseal_first() -> None:
    flags = evaluate({"age": 15, "onset": "sudden", "bruising": True}).red_flags
    assert [(flag.slug, flag.urgency) for flag in flags] == [("adolescent_apophyseal_injury", SOON)]
