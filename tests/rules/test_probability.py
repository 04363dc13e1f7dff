"""PHT post-test probability from the provocation tests (Cacchio 2012 LRs)."""

import pytest

from pht.rules import FindingsError, evaluate
from pht.rules.probability import post_test_probability

TYPICAL = {
    "pain_location": ["ischial_tuberosity"],
    "onset": "gradual",
    "pain_with_sitting": True,
}


def bayes(p: float, lr: float) -> float:
    odds = p / (1 - p)
    post = odds * lr
    return post / (1 + post)


def test_pre_test_half_with_mbk_positive_is_10_2_over_11_2() -> None:
    result = evaluate({"modified_bent_knee_stretch": "positive"}, pre_test_probability=0.5)
    assert result.pht_probability.post_test == 10.2 / 11.2
    assert result.pht_probability.post_test == pytest.approx(0.9107, abs=1e-4)


@pytest.mark.parametrize(
    ("test", "result", "lr"),
    [
        ("modified_bent_knee_stretch", "positive", 10.2),
        ("modified_bent_knee_stretch", "negative", 0.12),
        ("bent_knee_stretch", "positive", 6.5),
        ("bent_knee_stretch", "negative", 0.18),
        ("puranen_orava", "positive", 4.2),
        ("puranen_orava", "negative", 0.29),
    ],
)
@pytest.mark.parametrize("pre", [0.1, 0.3, 0.5, 0.8])
def test_single_test_arithmetic_is_exact(test: str, result: str, lr: float, pre: float) -> None:
    prob = evaluate({test: result}, pre_test_probability=pre).pht_probability
    assert prob.post_test == bayes(pre, lr)
    assert prob.post_test == post_test_probability(pre, lr)
    [used] = prob.tests_used
    assert (used.test, used.result, used.lr) == (test, result, lr)
    assert prob.pre_test_source == "clinician"


def test_lrs_are_never_multiplied_the_best_positive_test_is_used() -> None:
    prob = evaluate(
        {
            "modified_bent_knee_stretch": "positive",
            "bent_knee_stretch": "positive",
            "puranen_orava": "positive",
        },
        pre_test_probability=0.3,
    ).pht_probability
    assert prob.post_test == bayes(0.3, 10.2)
    assert [use.test for use in prob.tests_used] == ["modified_bent_knee_stretch"]
    assert [use.lr for use in prob.per_test] == [10.2, 6.5, 4.2]
    assert not prob.discordant


def test_a_positive_test_beats_a_more_accurate_negative_one_and_is_flagged_discordant() -> None:
    prob = evaluate(
        {"modified_bent_knee_stretch": "negative", "puranen_orava": "positive"},
        pre_test_probability=0.3,
    ).pht_probability
    assert prob.post_test == bayes(0.3, 4.2)
    assert prob.discordant
    assert "Discordant" in prob.note
    assert {use.test: use.post_test for use in prob.per_test} == {
        "modified_bent_knee_stretch": bayes(0.3, 0.12),
        "puranen_orava": bayes(0.3, 4.2),
    }


def test_all_negative_uses_the_most_accurate_negative_test() -> None:
    prob = evaluate(
        {
            "modified_bent_knee_stretch": "negative",
            "bent_knee_stretch": "negative",
            "puranen_orava": "negative",
        },
        pre_test_probability=0.5,
    ).pht_probability
    assert prob.post_test == bayes(0.5, 0.12)
    assert not prob.discordant


def test_no_test_performed_gives_no_post_test_and_says_so() -> None:
    prob = evaluate(TYPICAL).pht_probability
    assert prob.post_test is None
    assert prob.tests_used == ()
    assert prob.per_test == ()
    assert "No provocation test" in prob.note


@pytest.mark.parametrize(
    ("findings", "tier", "pre"),
    [
        (TYPICAL, "typical", 0.5),
        ({"pain_location": ["ischial_tuberosity"], "onset": "gradual"}, "partly_typical", 0.3),
        (
            {"pain_location": ["ischial_tuberosity"], "pain_with_sitting": True},
            "partly_typical",
            0.3,
        ),
        ({"pain_location": ["deep_buttock"], "onset": "gradual"}, "non_specific", 0.1),
        ({}, "non_specific", 0.1),
    ],
)
def test_default_pre_test_tier_comes_from_the_presentation(
    findings: dict, tier: str, pre: float
) -> None:
    prob = evaluate(findings).pht_probability
    assert prob.pre_test == pre
    assert prob.pre_test_source == f"default: {tier}"
    assert "project assumption" in prob.pre_test_basis


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, True, "0.5"])
def test_clinician_pre_test_must_be_strictly_between_0_and_1(bad: object) -> None:
    with pytest.raises(FindingsError) as excinfo:
        evaluate({}, pre_test_probability=bad)  # type: ignore[arg-type]
    assert excinfo.value.errors[0].startswith("pre_test_probability:")


def test_bad_pre_test_and_bad_findings_are_reported_together() -> None:
    with pytest.raises(FindingsError) as excinfo:
        evaluate({"age": "x"}, pre_test_probability=2)
    assert len(excinfo.value.errors) == 2


def test_caveat_names_the_spectrum_bias() -> None:
    caveat = evaluate({}).pht_probability.caveat
    assert "case-control" in caveat and "spectrum bias" in caveat
