"""Staging heuristic (Cook & Purdam continuum): thresholds and the decision order."""

import pytest

from pht.rules import evaluate
from pht.rules.stage import (
    CHRONIC_MIN_WEEKS,
    LOW_SITTING_TOLERANCE_MIN,
    OLDER_AGE_MIN,
    REACTIVE_MAX_WEEKS,
    YOUNG_AGE_MAX,
    stage,
)


def towards(flat: dict) -> dict[str, str]:
    return {reason.finding: reason.toward for reason in stage(flat).reasons}


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        (0, "reactive"),
        (REACTIVE_MAX_WEEKS, "reactive"),
        (REACTIVE_MAX_WEEKS + 0.5, None),
        (CHRONIC_MIN_WEEKS - 1, None),
        (CHRONIC_MIN_WEEKS, "degenerative"),
    ],
)
def test_duration_thresholds(weeks: float, expected: str | None) -> None:
    assert towards({"duration_weeks": weeks}).get("duration_weeks") == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (YOUNG_AGE_MAX - 1, "reactive"),
        (YOUNG_AGE_MAX, None),
        (OLDER_AGE_MIN, None),
        (OLDER_AGE_MIN + 1, "degenerative"),
    ],
)
def test_age_thresholds(age: int, expected: str | None) -> None:
    assert towards({"age": age}).get("age") == expected


def test_high_irritability_needs_two_markers() -> None:
    one = towards({"night_pain": True, "pain_worse_after_activity": False})
    assert "reactive" not in one.values()
    two = towards({"night_pain": True, "sitting_tolerance_min": LOW_SITTING_TOLERANCE_MIN})
    assert two == {"night_pain + sitting_tolerance_min": "reactive"}


def test_low_irritability_needs_all_three_markers_recorded_and_absent() -> None:
    flat = {"night_pain": False, "pain_worse_after_activity": False}
    assert towards(flat) == {}
    assert "degenerative" in towards({**flat, "sitting_tolerance_min": 90}).values()


def test_too_few_inputs_is_uncertain_and_says_why() -> None:
    result = stage({"age": 20, "duration_weeks": 2})
    assert result.slug == "uncertain"
    assert "Too few" in result.summary


def test_flare_on_a_degenerative_background_wins_over_vote_counting() -> None:
    flat = {
        "age": 25,
        "duration_weeks": 2,
        "previous_episodes": True,
        "recent_training_load_change": True,
        "night_pain": True,
        "pain_worse_after_activity": True,
    }
    assert stage(flat).slug == "reactive_on_degenerative"


def test_every_stage_reason_is_labelled_a_project_heuristic_with_a_citation() -> None:
    result = stage(
        {
            "age": 50,
            "duration_weeks": 40,
            "previous_episodes": True,
            "recent_training_load_change": False,
            "imaging.partial_tear": True,
        }
    )
    assert result.slug == "degenerative"
    for reason in result.reasons:
        assert "project heuristic" in reason.text
        assert reason.citation


def test_stage_is_null_when_pht_is_unlikely_and_present_when_possible() -> None:
    assert evaluate({"back_pain": True, "pain_below_knee": True}).stage is None
    in_play = evaluate({"pain_location": ["ischial_tuberosity"], "onset": "gradual"})
    assert in_play.differential("proximal_hamstring_tendinopathy").level == "possible"
    assert in_play.stage is not None
