"""Scoring, ranking, reasons and wording of the differential list."""

import re

from pht.rules import evaluate
from pht.rules.differentials import CLINICAL_PRIORITY, TABLES
from pht.rules.red_flags import RED_FLAG_RULES
from pht.rules.sources import SOURCES

PHT = "proximal_hamstring_tendinopathy"


def test_every_diagnosis_is_listed_once_with_name_and_referral() -> None:
    result = evaluate({})
    assert sorted(d.slug for d in result.differentials) == sorted(CLINICAL_PRIORITY)
    referrals = {d.slug: d.referral for d in result.differentials}
    assert referrals["cauda_equina"] == "emergency"
    assert referrals["malignancy_or_infection"] == "urgent"
    assert referrals["proximal_hamstring_avulsion"] == "urgent"
    assert referrals["stress_fracture"] == "soon"
    assert referrals["ischial_apophysitis_or_avulsion"] == "soon"
    assert referrals[PHT] == "routine"


def test_ties_are_broken_by_clinical_priority() -> None:
    ranked = [d.slug for d in evaluate({}).differentials]
    # With no findings every diagnosis sits at its baseline; equal baselines keep the
    # clinical priority order.
    assert ranked[:4] == [
        PHT,
        "lumbar_radiculopathy",
        "lumbar_referred_pain",
        "sacroiliac_joint_pain",
    ]
    assert ranked.index("cauda_equina") < ranked.index("malignancy_or_infection")


def test_correlated_provocation_tests_count_once() -> None:
    one = evaluate({"modified_bent_knee_stretch": "positive"}).differential(PHT)
    three = evaluate(
        {
            "modified_bent_knee_stretch": "positive",
            "bent_knee_stretch": "positive",
            "puranen_orava": "positive",
        }
    ).differential(PHT)
    assert one.score == three.score
    assert [r.finding for r in three.reasons] == ["modified_bent_knee_stretch"]


def test_red_flag_floor_keeps_avulsion_possible_rules_it_out_first_and_explains_itself() -> None:
    result = evaluate({"onset": "gradual", "palpable_gap": True, "age": 40})
    avulsion = result.differential("proximal_hamstring_avulsion")
    assert avulsion.level == "possible"
    assert avulsion.rule_out_first
    assert result.differentials[0] is avulsion
    assert any("ruled out first" in r.text for r in avulsion.reasons)


def test_nothing_possible_means_no_headline() -> None:
    result = evaluate({"modified_bent_knee_stretch": "negative", "back_pain": False})
    assert all(d.level == "unlikely" for d in result.differentials)
    assert result.top is None
    assert result.to_dict()["top"] is None


def test_ischial_pain_and_ischial_tenderness_count_once() -> None:
    both = evaluate(
        {"pain_location": ["ischial_tuberosity"], "tenderness_ischial_tuberosity": True}
    ).differential(PHT)
    one = evaluate({"pain_location": ["ischial_tuberosity"]}).differential(PHT)
    assert both.score - one.score == 0.5
    assert len([r for r in both.reasons if "ischial" in r.finding]) == 1


def test_pain_free_loading_lowers_tendinopathy() -> None:
    base = {"pain_location": ["ischial_tuberosity"], "onset": "gradual"}
    painful = evaluate({**base, "single_leg_bridge_pain": True}).differential(PHT)
    pain_free = evaluate({**base, "single_leg_bridge_pain": False}).differential(PHT)
    neither = evaluate(base).differential(PHT)
    assert pain_free.score < neither.score < painful.score


def test_groin_only_pain_points_away_from_the_hamstring_origin() -> None:
    groin = evaluate({"pain_location": ["groin"]}).differential(PHT)
    buttock = evaluate({"pain_location": ["deep_buttock"]}).differential(PHT)
    assert groin.score <= buttock.score - 2


def test_collected_findings_are_read_fadir_morning_stiffness_and_groin() -> None:
    fadir = evaluate({"fadir_or_impingement_test_positive": True}).differential(PHT)
    assert fadir.score < 0
    stiffness = evaluate({"morning_stiffness": True}).differential("sacroiliac_joint_pain")
    assert stiffness.score > 0
    groin = evaluate(
        {"pain_location": ["groin"], "recent_training_load_change": True}
    ).differential("stress_fracture")
    assert groin.score > evaluate({}).differential("stress_fracture").score


def test_history_alone_never_makes_a_diagnosis_likely() -> None:
    history = evaluate(
        {
            "back_pain": True,
            "pain_below_knee": True,
            "paraesthesia_or_numbness": True,
            "bilateral_leg_symptoms": False,
            "pain_location": ["lower_back", "below_knee"],
        }
    ).differential("lumbar_radiculopathy")
    assert history.score >= 2
    assert history.level == "possible"


def test_reasons_cite_a_readable_source_and_label_unconfirmed_or_project_evidence() -> None:
    result = evaluate(
        {
            "onset": "sudden",
            "tenderness_ischial_tuberosity": True,
            "pain_location": ["deep_buttock"],
        }
    )
    for differential in result.differentials:
        for reason in differential.reasons:
            assert reason.citation == SOURCES[reason.source]
            if reason.evidence == "M":
                assert "not yet confirmed" in reason.text
            if reason.evidence == "Dev":
                assert "project heuristic" in reason.text


# Output is a suggestion, never a diagnosis.
ASSERTIVE = re.compile(r"\b(diagnos(is|ed|e)|confirms?|definitely|certainly|proves?)\b", re.I)


def test_rule_and_flag_wording_suggests_rather_than_diagnoses() -> None:
    texts = [rule.text for table in TABLES for rule in table.rules]
    texts += [grade.message for flag in RED_FLAG_RULES for grade in flag.grades]
    texts += [grade.action for flag in RED_FLAG_RULES for grade in flag.grades]
    for text in texts:
        assert not ASSERTIVE.search(text), text
