"""Red flags: raised only by their own triggers, with urgency, findings and action."""

import pytest

from pht.rules import evaluate

CASES = [
    ({"saddle_anaesthesia": True}, "cauda_equina", "emergency"),
    ({"bladder_bowel_change": True}, "cauda_equina", "emergency"),
    ({"cancer_history": True}, "malignancy_or_infection", "urgent"),
    ({"weight_loss_unexplained": True}, "malignancy_or_infection", "urgent"),
    ({"fever": True}, "malignancy_or_infection", "urgent"),
    ({"palpable_gap": True}, "acute_avulsion", "urgent"),
    ({"imaging": {"full_avulsion": True}}, "acute_avulsion", "urgent"),
    ({"onset": "sudden", "bruising": True}, "acute_avulsion", "urgent"),
    ({"age": 17, "onset": "sudden"}, "adolescent_apophyseal_injury", "soon"),
    ({"age": 14, "tenderness_ischial_tuberosity": True}, "adolescent_apophyseal_injury", "soon"),
    ({"hop_test_pain": True}, "high_risk_bone_stress", "urgent"),
    ({"imaging": {"stress_fracture": True}}, "high_risk_bone_stress", "urgent"),
    (
        {"amenorrhoea_or_red_s_risk": True, "recent_training_load_change": True},
        "high_risk_bone_stress",
        "urgent",
    ),
    ({"neuro_deficit": True}, "neurological_deficit", "urgent"),
]


@pytest.mark.parametrize(("findings", "slug", "urgency"), CASES, ids=lambda v: str(v))
def test_trigger_raises_its_flag(findings: dict, slug: str, urgency: str) -> None:
    [flag] = evaluate(findings).red_flags
    assert (flag.slug, flag.urgency) == (slug, urgency)
    assert flag.action
    expected = {
        f"imaging.{k}" if key == "imaging" else key
        for key, value in findings.items()
        for k in (value if key == "imaging" else [key])
    }
    assert set(flag.findings) == expected


@pytest.mark.parametrize(
    "findings",
    [
        {"saddle_anaesthesia": False, "bladder_bowel_change": False},
        {"onset": "sudden"},
        {"bruising": True},
        {"age": 30, "onset": "sudden"},
        {"age": 20, "tenderness_ischial_tuberosity": True},
        {"amenorrhoea_or_red_s_risk": True},
        {"imaging": {"partial_tear": True, "bone_marrow_oedema": True}},
    ],
    ids=str,
)
def test_no_flag_without_its_trigger(findings: dict) -> None:
    assert evaluate(findings).red_flags == ()


def test_other_findings_cannot_suppress_a_flag() -> None:
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
    }
    flags = evaluate({**reassuring, "saddle_anaesthesia": True}).red_flags
    assert [flag.slug for flag in flags] == ["cauda_equina"]
