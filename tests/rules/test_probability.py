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


def test_the_most_accurate_test_performed_is_the_headline_whatever_its_result() -> None:
    """MBK and BK negative with PO positive reads from the MBK (the first version said 0.81)."""
    prob = evaluate(
        {
            **TYPICAL,
            "modified_bent_knee_stretch": "negative",
            "bent_knee_stretch": "negative",
            "puranen_orava": "positive",
        }
    ).pht_probability
    assert prob.pre_test == 0.5
    assert prob.post_test == bayes(0.5, 0.12)
    assert [use.test for use in prob.tests_used] == ["modified_bent_knee_stretch"]
    assert prob.level == "unlikely"
    assert prob.discordant
    assert "The tests disagree" in prob.note
    assert "Puranen-Orava positive would give 81%" in prob.note
    assert {use.test: use.post_test for use in prob.per_test} == {
        "modified_bent_knee_stretch": bayes(0.5, 0.12),
        "bent_knee_stretch": bayes(0.5, 0.18),
        "puranen_orava": bayes(0.5, 4.2),
    }


def test_a_less_accurate_negative_does_not_lower_a_more_accurate_positive() -> None:
    prob = evaluate(
        {"modified_bent_knee_stretch": "positive", "puranen_orava": "negative"},
        pre_test_probability=0.3,
    ).pht_probability
    assert prob.post_test == bayes(0.3, 10.2)
    assert prob.discordant


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
    assert "No stretch test" in prob.note
    assert prob.level == "possible"  # the band of the pre-test probability, 0.5


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
        ({"pain_location": ["deep_buttock"], "onset": "gradual"}, "partly_typical", 0.3),
        ({"pain_location": ["deep_buttock"]}, "consistent", 0.2),
        ({"onset": "gradual"}, "consistent", 0.2),
        ({"side": "left"}, "non_specific", 0.1),
        ({}, "non_specific", 0.1),
        (
            {**TYPICAL, "tenderness_ischial_tuberosity": True, "single_leg_bridge_pain": True},
            "typical_supported",
            0.6,
        ),
        (
            {**TYPICAL, "paraesthesia_or_numbness": True, "pain_below_knee": True},
            "partly_typical",
            0.3,
        ),
        (
            {"pain_location": ["groin"], "fadir_or_impingement_test_positive": True},
            "atypical",
            0.05,
        ),
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


def test_the_top_tier_needs_an_examination_finding() -> None:
    """A strong history alone stays at "typical": "likely" needs an examination finding."""
    history_only = {
        **TYPICAL,
        "recent_training_load_change": True,
        "pain_running_uphill_or_speed": True,
        "pain_warms_up_with_activity": True,
        "pain_worse_after_activity": True,
    }
    prob = evaluate(history_only).pht_probability
    assert prob.pre_test_source == "default: typical"
    assert prob.level == "possible"


@pytest.mark.parametrize(
    ("probability", "level"),
    [
        (0.05, "unlikely"),
        (0.199, "unlikely"),
        (0.2, "possible"),
        (0.42, "possible"),
        (0.599, "possible"),
        (0.6, "likely"),
        (0.94, "likely"),
    ],
)
def test_bands(probability: float, level: str) -> None:
    from pht.rules.probability import band

    assert band(probability) == level


def test_neural_signs_add_a_caution() -> None:
    plain = evaluate({**TYPICAL, "modified_bent_knee_stretch": "positive"}).pht_probability
    assert plain.caution == ""
    neural = evaluate(
        {**TYPICAL, "modified_bent_knee_stretch": "positive", "slump_positive": True}
    ).pht_probability
    assert "sciatic nerve" in neural.caution
    assert "excluded neural causes" in neural.caution
