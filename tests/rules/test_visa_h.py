"""VISA-H scoring: hand-computed totals as a table of named cases, then every error."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pht.rules.visa_h import (
    ANSWER_KEYS,
    ITEMS,
    MAX_TOTAL,
    Q7,
    Q8,
    SCALE_ITEMS,
    VisaHError,
    score_visa_h,
)

BEST = {"q1": 10, "q2": 10, "q3": 10, "q4": 10, "q5": 10, "q6": 10, "q7": 3, "q8a": 4}
WORST = {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": 0, "q8c": 0}


@dataclass(frozen=True)
class Case:
    description: str
    answers: dict[str, int]
    total: int
    branch: str


CASES: tuple[Case, ...] = (
    Case("all best answers score 100", BEST, 100, "a"),
    Case("all worst answers score 0", WORST, 0, "c"),
    # 8+7+6+5+4+3 = 33; q7 option 2 = 7; q8a option 2 (11-20 min, no pain) = 14.
    # 33 + 7 + 14 = 54
    Case(
        "mixed, branch A (no pain, trains 11-20 min)",
        {"q1": 8, "q2": 7, "q3": 6, "q4": 5, "q5": 4, "q6": 3, "q7": 2, "q8a": 2},
        54,
        "a",
    ),
    # 5+5+5+5+5+5 = 30; q7 option 1 = 4; q8b option 3 (21-30 min, pain but continues) = 14.
    # 30 + 4 + 14 = 48
    Case(
        "mixed, branch B (pain but continues, trains 21-30 min)",
        {"q1": 5, "q2": 5, "q3": 5, "q4": 5, "q5": 5, "q6": 5, "q7": 1, "q8b": 3},
        48,
        "b",
    ),
    # 2+3+1+4+0+2 = 12; q7 option 0 = 0; q8c option 1 (1-10 min, pain stops training) = 2.
    # 12 + 0 + 2 = 14
    Case(
        "mixed, branch C (pain stops training after 1-10 min)",
        {"q1": 2, "q2": 3, "q3": 1, "q4": 4, "q5": 0, "q6": 2, "q7": 0, "q8c": 1},
        14,
        "c",
    ),
    # 10*6 = 60; q7 option 2 = 7; q8b option 4 (> 30 min with pain) = 20 (branch B max).
    # 60 + 7 + 20 = 87: a painful trainer cannot reach 100 even with perfect scales.
    Case(
        "branch B maximum is 20, not 30",
        {"q1": 10, "q2": 10, "q3": 10, "q4": 10, "q5": 10, "q6": 10, "q7": 2, "q8b": 4},
        87,
        "b",
    ),
    # 10*6 = 60; q7 option 3 = 10; q8c option 4 (> 30 min before pain stops it) = 10.
    # 60 + 10 + 10 = 80
    Case(
        "branch C maximum is 10",
        {"q1": 10, "q2": 10, "q3": 10, "q4": 10, "q5": 10, "q6": 10, "q7": 3, "q8c": 4},
        80,
        "c",
    ),
    # 0*6 = 0; q7 option 0 = 0; q8a option 0 (nil training, no pain) = 0.
    Case(
        "branch A nil training scores 0 in Q8",
        {"q1": 0, "q2": 0, "q3": 0, "q4": 0, "q5": 0, "q6": 0, "q7": 0, "q8a": 0},
        0,
        "a",
    ),
    # 1+2+3+4+5+6 = 21; q7 option 3 = 10; q8a option 1 (1-10 min) = 7.  21 + 10 + 7 = 38
    Case(
        "low end of branch A",
        {"q1": 1, "q2": 2, "q3": 3, "q4": 4, "q5": 5, "q6": 6, "q7": 3, "q8a": 1},
        38,
        "a",
    ),
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.description)
def test_hand_computed_totals(case: Case) -> None:
    result = score_visa_h(case.answers)
    assert result.total == case.total
    assert result.q8_branch == case.branch
    assert result.total == sum(item.points for item in result.items)


def test_the_item_maxima_add_up_to_100() -> None:
    assert sum(item.max_points for item in ITEMS) == MAX_TOTAL == 100
    assert Q8.max_points == 30
    assert [option.points for option in Q7.options] == [0, 4, 7, 10]


def test_q8_bins_follow_the_visa_a_convention_until_confirmed() -> None:
    points = {branch.letter: [o.points for o in branch.options] for branch in Q8.branches}
    assert points == {
        "a": [0, 7, 14, 21, 30],
        "b": [0, 4, 10, 14, 20],
        "c": [0, 2, 5, 7, 10],
    }


def test_only_one_q8_branch_is_counted() -> None:
    result = score_visa_h({**WORST, "q8c": 4})
    assert result.points("q8") == 10
    assert [item.key for item in result.items].count("q8") == 1
    assert result.q8_branch == "c"


def test_every_item_is_marked_unconfirmed_with_a_note() -> None:
    # The topics and Q8 bins are [M]: nothing may claim to be the official wording yet.
    for item in ITEMS:
        assert item.confirmed is False
        assert item.note


def test_output_carries_caveats_and_no_mcid() -> None:
    result = score_visa_h(BEST).to_dict()
    assert result["items_confirmed"] is False
    text = " ".join(result["caveats"]).lower()
    assert "sub-scores" in text and "not validated" in text
    assert "no minimal clinically important difference" in text
    # The VISA-P MCID (13 points) must not leak into VISA-H output.
    assert "13" not in text
    assert "Cacchio" in result["source"]


def test_answer_keys_are_q1_to_q7_and_three_q8_branches() -> None:
    assert {item.key for item in SCALE_ITEMS} | {"q7"} | {"q8a", "q8b", "q8c"} == ANSWER_KEYS


@dataclass(frozen=True)
class ErrorCase:
    description: str
    answers: dict[str, object]
    expected: tuple[str, ...]  # fragments that must each appear in some problem


ERROR_CASES: tuple[ErrorCase, ...] = (
    ErrorCase(
        "empty answers list every item",
        {},
        ("q1: missing", "q6: missing", "q7: missing", "q8: missing"),
    ),
    ErrorCase(
        "a missing scale item", {k: v for k, v in BEST.items() if k != "q3"}, ("q3: missing",)
    ),
    ErrorCase("no q8 branch", {k: v for k, v in BEST.items() if k != "q8a"}, ("q8: missing",)),
    ErrorCase("scale item above 10", {**BEST, "q2": 11}, ("q2: 11 is outside",)),
    ErrorCase("scale item below 0", {**BEST, "q5": -1}, ("q5: -1 is outside",)),
    ErrorCase("q7 option out of range", {**BEST, "q7": 4}, ("q7: 4 is outside",)),
    ErrorCase("q7 given as points, not an index", {**BEST, "q7": 10}, ("q7: 10 is outside",)),
    ErrorCase("q8 option out of range", {**BEST, "q8a": 5}, ("q8a: 5 is outside",)),
    ErrorCase("two q8 branches", {**BEST, "q8b": 1}, ("more than one branch (q8a, q8b)",)),
    ErrorCase(
        "three q8 branches", {**BEST, "q8b": 1, "q8c": 0}, ("more than one branch (q8a, q8b, q8c)",)
    ),
    ErrorCase("unknown key", {**BEST, "q9": 3}, ("q9: unknown key",)),
    ErrorCase("old-style q8 key", {**BEST, "q8": 4}, ("q8: unknown key",)),
    ErrorCase("text instead of a number", {**BEST, "q1": "7"}, ("q1: must be a whole number",)),
    ErrorCase("a float", {**BEST, "q4": 7.5}, ("q4: must be a whole number",)),
    ErrorCase("a bool is not a number", {**BEST, "q6": True}, ("q6: must be a whole number",)),
    ErrorCase("None in a q8 branch", {**BEST, "q8a": None}, ("q8a: must be an option index",)),
)


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda c: c.description)
def test_errors(case: ErrorCase) -> None:
    with pytest.raises(VisaHError) as caught:
        score_visa_h(case.answers)
    for fragment in case.expected:
        assert any(fragment in problem for problem in caught.value.problems), (
            fragment,
            caught.value.problems,
        )


def test_every_problem_is_reported_together() -> None:
    answers: dict[str, object] = {
        "q1": 11,
        "q2": "x",
        # q3 missing
        "q4": 5,
        "q5": 5,
        "q6": 5,
        "q7": 9,
        "q8a": 1,
        "q8c": 1,
        "extra": 1,
    }
    with pytest.raises(VisaHError) as caught:
        score_visa_h(answers)
    problems = caught.value.problems
    assert len(problems) == 6, problems
    assert isinstance(caught.value, ValueError)
    assert "q3: missing" in str(caught.value)
