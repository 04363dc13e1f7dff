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


def test_serious_floor_keeps_avulsion_possible_and_explains_itself() -> None:
    result = evaluate({"onset": "gradual", "palpable_gap": True})
    avulsion = result.differential("proximal_hamstring_avulsion")
    assert avulsion.level == "possible"
    assert any("red-flag findings are present" in r.text for r in avulsion.reasons)


def test_reasons_cite_a_source_and_label_unconfirmed_or_project_evidence() -> None:
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
                assert "unconfirmed" in reason.text
            if reason.evidence == "Dev":
                assert "project heuristic" in reason.text


# Output is a suggestion, never a diagnosis.
ASSERTIVE = re.compile(r"\b(diagnos(is|ed|e)|confirms?|definitely|certainly|proves?)\b", re.I)


def test_rule_and_flag_wording_suggests_rather_than_diagnoses() -> None:
    texts = [rule.text for table in TABLES for rule in table.rules]
    texts += [flag.message for flag in RED_FLAG_RULES] + [flag.action for flag in RED_FLAG_RULES]
    for text in texts:
        assert not ASSERTIVE.search(text), text
    for flag in RED_FLAG_RULES:
        assert flag.action.startswith("Consider"), flag.slug
        assert "suggest" in flag.message or "needs" in flag.message, flag.slug
