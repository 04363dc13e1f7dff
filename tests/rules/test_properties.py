"""Properties that hold for every valid (or invalid) findings dict."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pht.rules import FindingsError, evaluate
from pht.rules.probability import PROVOCATION_TESTS
from pht.rules.red_flags import RED_FLAG_RULES
from tests.rules.strategies import findings, invalid_findings, satisfy

PHT = "proximal_hamstring_tendinopathy"
LEVEL_RANK = {"unlikely": 0, "possible": 1, "likely": 2}
TRIGGERS = [(rule, trigger) for rule in RED_FLAG_RULES for trigger in rule.triggers]


def present_keys(raw: dict) -> set[str]:
    keys = {key for key in raw if key != "imaging"}
    keys |= {f"imaging.{flag}" for flag in raw.get("imaging", {})}
    return keys


@given(findings())
def test_any_valid_findings_evaluate_to_json(raw: dict) -> None:
    result = evaluate(raw)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) == {
        "rules_version",
        "findings",
        "differentials",
        "red_flags",
        "stage",
        "pht_probability",
        "next_tests",
    }
    assert len(data["differentials"]) == 13


@given(findings())
def test_output_is_deterministic_and_independent_of_key_order(raw: dict) -> None:
    first = evaluate(raw).to_dict()
    assert evaluate(raw).to_dict() == first
    reordered = evaluate(dict(reversed(list(raw.items())))).to_dict()
    first.pop("findings")
    reordered.pop("findings")
    assert reordered == first


@pytest.mark.parametrize(
    ("rule", "trigger"), TRIGGERS, ids=[f"{r.slug}:{t.describe()}" for r, t in TRIGGERS]
)
@given(raw=findings())
@settings(max_examples=40)
def test_a_red_flags_findings_always_raise_it(rule, trigger, raw: dict) -> None:
    result = evaluate(satisfy(trigger, raw))
    raised = {flag.slug: flag for flag in result.red_flags}
    assert rule.slug in raised
    assert set(trigger.keys) <= set(raised[rule.slug].findings)
    if rule.diagnosis is not None:
        assert LEVEL_RANK[result.differential(rule.diagnosis).level] >= 1


@given(raw=findings(), test=st.sampled_from(PROVOCATION_TESTS))
def test_a_positive_provocation_test_never_lowers_pht(raw: dict, test) -> None:
    if raw.get(test.key) in ("positive", True):
        raw = {**raw, test.key: "negative"}
    before = evaluate(raw)
    after = evaluate({**raw, test.key: "positive"})
    pht_before, pht_after = before.differential(PHT), after.differential(PHT)
    assert pht_after.score >= pht_before.score
    assert LEVEL_RANK[pht_after.level] >= LEVEL_RANK[pht_before.level]
    post_before = before.pht_probability.post_test
    post_after = after.pht_probability.post_test
    assert post_after is not None
    if post_before is not None:
        assert post_after >= post_before


@given(findings())
def test_absent_keys_never_appear_in_reasons(raw: dict) -> None:
    present = present_keys(raw)
    result = evaluate(raw)
    for differential in result.differentials:
        for reason in differential.reasons:
            assert set(reason.finding.split(" + ")) <= present, reason
    for flag in result.red_flags:
        assert set(flag.findings) <= present
    if result.stage:
        for reason in result.stage.reasons:
            assert set(reason.finding.split(" + ")) <= present, reason
    for use in result.pht_probability.per_test:
        assert use.test in present
    for test in result.next_tests:
        assert test.finding not in present


def test_negative_differs_from_absent() -> None:
    absent = evaluate({"pain_location": ["ischial_tuberosity"]})
    negative = evaluate(
        {"pain_location": ["ischial_tuberosity"], "modified_bent_knee_stretch": "negative"}
    )
    assert negative.differential(PHT).score < absent.differential(PHT).score
    assert absent.pht_probability.post_test is None
    assert negative.pht_probability.post_test is not None


@given(invalid_findings())
def test_invalid_findings_raise_listing_every_problem(case: tuple[dict, set[str]]) -> None:
    raw, corrupted = case
    with pytest.raises(FindingsError) as excinfo:
        evaluate(raw)
    errors = excinfo.value.errors
    assert len(errors) == len(corrupted)
    for key in corrupted:
        assert any(message.startswith(f"{key}:") for message in errors), (key, errors)


@given(raw=findings(), pre=st.floats(min_value=0.001, max_value=0.999))
def test_post_test_is_a_probability(raw: dict, pre: float) -> None:
    probability = evaluate(raw, pre_test_probability=pre).pht_probability
    assert probability.pre_test == pre
    if probability.post_test is not None:
        assert 0 < probability.post_test < 1
        assert [use.post_test for use in probability.tests_used][0] == probability.post_test


@given(findings())
def test_stage_is_given_only_when_pht_is_in_play(raw: dict) -> None:
    result = evaluate(raw)
    in_play = result.differential(PHT).level != "unlikely"
    assert (result.stage is not None) == in_play


@given(findings())
def test_ranking_is_by_score_and_levels_follow_scores(raw: dict) -> None:
    differentials = evaluate(raw).differentials
    scores = [d.score for d in differentials]
    assert scores == sorted(scores, reverse=True)
    for d in differentials:
        assert (d.score >= 5) == (d.level == "likely")
