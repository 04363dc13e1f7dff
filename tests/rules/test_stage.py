"""Staging heuristic (Cook & Purdam continuum): thresholds, grouped votes and the decision order."""

import pytest

from pht.rules import evaluate
from pht.rules.stage import (
    CHRONIC_MIN_WEEKS,
    OLDER_AGE_MIN,
    REACTIVE_MAX_WEEKS,
    YOUNG_AGE_MAX,
    stage,
)


def towards(flat: dict) -> list[str]:
    return [reason.toward for reason in stage(flat).reasons]


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        (0, ["reactive"]),
        (REACTIVE_MAX_WEEKS, ["reactive"]),
        (REACTIVE_MAX_WEEKS + 0.5, []),
        (CHRONIC_MIN_WEEKS - 1, []),
        (CHRONIC_MIN_WEEKS, ["degenerative"]),
    ],
)
def test_duration_thresholds(weeks: float, expected: list[str]) -> None:
    assert towards({"duration_weeks": weeks}) == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (YOUNG_AGE_MAX - 1, ["reactive"]),
        (YOUNG_AGE_MAX, []),
        (OLDER_AGE_MIN, []),
        (OLDER_AGE_MIN + 1, ["degenerative"]),
    ],
)
def test_age_thresholds(age: int, expected: list[str]) -> None:
    assert towards({"age": age}) == expected


def test_age_duration_and_episodes_vote_once_together() -> None:
    """Correlated inputs: an older patient with a long, recurrent history is one vote."""
    reasons = stage({"age": 55, "duration_weeks": 60, "previous_episodes": True}).reasons
    assert [reason.toward for reason in reasons] == ["degenerative"]
    assert reasons[0].finding == "age + duration_weeks + previous_episodes"


def test_a_split_chronicity_casts_no_vote() -> None:
    assert towards({"age": 25, "duration_weeks": 60}) == []


def test_irritability_uses_the_shared_definition() -> None:
    high = towards({"night_pain": True, "sitting_tolerance_min": 5})
    assert high == ["reactive"]
    low = towards({"night_pain": False, "pain_worse_after_activity": False})
    assert low == ["degenerative"]


def test_too_few_inputs_is_uncertain_and_says_why() -> None:
    result = stage({"age": 20})
    assert result.slug == "uncertain"
    assert "Too few" in result.summary


def test_a_flare_after_a_training_spike_on_a_degenerative_background() -> None:
    flat = {
        "age": 48,
        "duration_weeks": 60,
        "previous_episodes": True,
        "recent_training_load_change": True,
    }
    assert stage(flat).slug == "reactive_on_degenerative"


def test_a_flare_after_a_long_flight_on_a_degenerative_background() -> None:
    """Compression counts as a spike of load (Cook & Purdam 2012)."""
    flat = {
        "age": 52,
        "duration_weeks": 80,
        "previous_episodes": True,
        "recent_training_load_change": False,
        "recent_compressive_load": True,
    }
    result = stage(flat)
    assert result.slug == "reactive_on_degenerative"
    assert any("compression" in reason.text for reason in result.reasons)


def test_degenerative_needs_a_two_vote_lead() -> None:
    flat = {
        "age": 50,
        "duration_weeks": 40,
        "previous_episodes": True,
        "recent_training_load_change": False,
        "imaging.partial_tear": True,
    }
    assert stage(flat).slug == "degenerative"


def test_reactive_young_runner_after_a_spike() -> None:
    flat = {
        "age": 24,
        "duration_weeks": 3,
        "previous_episodes": False,
        "recent_training_load_change": True,
    }
    assert stage(flat).slug == "reactive"


def test_every_stage_reason_is_labelled_a_project_heuristic_with_a_readable_citation() -> None:
    result = stage(
        {
            "age": 50,
            "duration_weeks": 40,
            "previous_episodes": True,
            "recent_training_load_change": False,
            "imaging.partial_tear": True,
        }
    )
    for reason in result.reasons:
        assert "project heuristic" in reason.citation
        assert "S9" not in reason.citation


def test_no_stage_when_tendinopathy_does_not_lead() -> None:
    assert evaluate({"back_pain": True, "pain_below_knee": True}).stage is None


def test_stage_is_given_when_tendinopathy_leads() -> None:
    result = evaluate(
        {
            "pain_location": ["ischial_tuberosity"],
            "onset": "gradual",
            "pain_with_sitting": True,
        }
    )
    assert result.top is not None and result.top.slug == "proximal_hamstring_tendinopathy"
    assert result.stage is not None


def test_no_stage_for_a_bone_stress_injury_even_with_a_tendinopathy_history() -> None:
    result = evaluate(
        {
            "age": 24,
            "sex": "female",
            "onset": "gradual",
            "duration_weeks": 3,
            "recent_training_load_change": True,
            "pain_location": ["ischial_tuberosity", "groin"],
            "groin_pain_on_loading": True,
            "pain_with_sitting": True,
            "tenderness_ischial_tuberosity": True,
        }
    )
    assert any(flag.urgency == "urgent" for flag in result.red_flags)
    assert result.stage is None
