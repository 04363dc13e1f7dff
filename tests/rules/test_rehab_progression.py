"""Stage progression and walk-run progression as tables of named cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest

from pht.rules.rehab import (
    ACCEPTABLE_MARKER_PAIN,
    ACCEPTABLE_MARKER_PAIN_SOURCE,
    ADHERENCE_LEVELS,
    MIN_WEEKS_AT_STAGE,
    MIN_WEEKS_AT_STAGE_SOURCE,
    REGRESS_PAIN_RISE,
    REGRESS_PAIN_RISE_SOURCE,
    RESPONSES_24H,
    RETURN_TO_RUN_CRITERIA,
    RUN_PROGRESSION_ORDER,
    RUN_PROGRESSION_ORDER_SOURCE,
    WALK_RUN_PROGRESSION,
    WALK_RUN_SOURCE,
    RehabInputError,
    suggest_progression,
    suggest_run_progression,
)

# A review where everything allows progress; each case changes only what it names.
GOOD: dict[str, object] = {
    "current_stage": 1,
    "marker_pain": 2,
    "response_24h": "same",
    "previous_marker_pain": 2,
    "sitting_tolerance_min": 45,
    "adherence": "full",
    "weeks_at_stage": 2.0,
}


@dataclass(frozen=True)
class Case:
    description: str
    changes: dict[str, object]
    decision: str
    suggested_stage: int
    reason_fragments: tuple[str, ...] = field(default=())


CASES: tuple[Case, ...] = (
    Case("all criteria met: progress 1 -> 2", {}, "progress", 2, ("within 0-3/10",)),
    Case("from stage 0 to isometrics", {"current_stage": 0}, "progress", 1),
    Case(
        "marker exactly at the threshold still progresses",
        {"marker_pain": 3, "previous_marker_pain": 3},
        "progress",
        2,
    ),
    Case("better next day progresses", {"response_24h": "better"}, "progress", 2),
    Case(
        "falling marker progresses",
        {"marker_pain": 1, "previous_marker_pain": 3},
        "progress",
        2,
        ("did not rise",),
    ),
    Case("partial adherence may progress", {"adherence": "partial"}, "progress", 2),
    Case("no previous marker may progress", {"previous_marker_pain": None}, "progress", 2),
    Case("exactly one week may progress", {"weeks_at_stage": 1.0}, "progress", 2),
    Case(
        "stage 2 with enough sitting tolerance moves to stage 3",
        {"current_stage": 2, "sitting_tolerance_min": 30},
        "progress",
        3,
    ),
    Case(
        "stage 2 with unknown sitting tolerance may progress",
        {"current_stage": 2, "sitting_tolerance_min": None},
        "progress",
        3,
    ),
    Case("stage 3 moves to stage 4", {"current_stage": 3}, "progress", 4),
    Case(
        "stage 4 never goes beyond 4: the run progression applies",
        {"current_stage": 4},
        "progress",
        4,
        ("return-to-running progression",),
    ),
    # Hold: one missing condition each.
    Case(
        "marker above the threshold holds",
        {"marker_pain": 4, "previous_marker_pain": 4},
        "hold",
        1,
        ("above 3/10",),
    ),
    Case(
        "worse next day with low marker holds",
        {"response_24h": "worse"},
        "hold",
        1,
        ("worse the next day",),
    ),
    Case(
        "marker rise of 1 holds",
        {"marker_pain": 3, "previous_marker_pain": 2},
        "hold",
        1,
        ("rose by 1 point ",),
    ),
    Case(
        "marker rise of exactly 2 holds, not regresses",
        {"marker_pain": 3, "previous_marker_pain": 1},
        "hold",
        1,
        ("rose by 2 points",),
    ),
    Case("poor adherence holds", {"adherence": "poor"}, "hold", 1, ("Adherence was poor",)),
    Case(
        "less than a week at the stage holds",
        {"weeks_at_stage": 0.5},
        "hold",
        1,
        ("at least 1 week",),
    ),
    Case(
        "short sitting tolerance holds stage 2 before the deeper hip flexion of stage 3",
        {"current_stage": 2, "sitting_tolerance_min": 20},
        "hold",
        2,
        ("Sitting tolerance 20 min",),
    ),
    Case(
        "short sitting tolerance does not hold stage 1",
        {"current_stage": 1, "sitting_tolerance_min": 20},
        "progress",
        2,
    ),
    Case(
        "several missing conditions are all listed",
        {"adherence": "poor", "weeks_at_stage": 0.0, "marker_pain": 5, "previous_marker_pain": 5},
        "hold",
        1,
        ("above 3/10", "Adherence was poor", "at least 1 week"),
    ),
    # Regress.
    Case(
        "marker rise of 3 regresses",
        {"current_stage": 2, "marker_pain": 4, "previous_marker_pain": 1},
        "regress",
        1,
        ("more than 2 points",),
    ),
    Case(
        "marker rise of 3 regresses even if still under the threshold",
        {"current_stage": 3, "marker_pain": 3, "previous_marker_pain": 0},
        "regress",
        2,
    ),
    Case(
        "above threshold and worse next day regresses",
        {"current_stage": 3, "marker_pain": 5, "previous_marker_pain": 4, "response_24h": "worse"},
        "regress",
        2,
        ("not being tolerated",),
    ),
    Case(
        "regress wins over everything else",
        {
            "current_stage": 2,
            "marker_pain": 7,
            "previous_marker_pain": 2,
            "response_24h": "worse",
            "adherence": "poor",
        },
        "regress",
        1,
    ),
    Case(
        "stage 0 regress stays 0 and suggests review",
        {"current_stage": 0, "marker_pain": 6, "previous_marker_pain": 2},
        "regress",
        0,
        ("Already at stage 0", "review the diagnosis"),
    ),
    Case(
        "stage 1 regresses to 0",
        {"marker_pain": 6, "response_24h": "worse"},
        "regress",
        0,
    ),
)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.description)
def test_progression(case: Case) -> None:
    result = suggest_progression(**{**GOOD, **case.changes})  # type: ignore[arg-type]
    assert result.decision == case.decision, result.reasons
    assert result.suggested_stage == case.suggested_stage
    assert result.reasons
    for fragment in case.reason_fragments:
        assert any(fragment in reason for reason in result.reasons), (fragment, result.reasons)


def test_thresholds_are_named_with_their_status() -> None:
    assert ACCEPTABLE_MARKER_PAIN == 3
    assert ACCEPTABLE_MARKER_PAIN_SOURCE.status == "C2"
    assert ACCEPTABLE_MARKER_PAIN_SOURCE.keys == ("S15",)
    assert REGRESS_PAIN_RISE == 2
    assert REGRESS_PAIN_RISE_SOURCE.status == "Dev"
    assert MIN_WEEKS_AT_STAGE == 1
    assert MIN_WEEKS_AT_STAGE_SOURCE.status == "Dev"


def test_progress_reasons_cite_the_marker_threshold_status() -> None:
    result = suggest_progression(**GOOD)  # type: ignore[arg-type]
    assert any(
        "3/10 (Pogo Physio: PHT exercise protocol, from a secondary summary)" in reason
        for reason in result.reasons
    )


def test_partial_adherence_progress_carries_a_note() -> None:
    result = suggest_progression(**{**GOOD, "adherence": "partial"})  # type: ignore[arg-type]
    assert any("partial" in note for note in result.notes)


def test_suggested_stage_always_moves_at_most_one_step_within_0_to_4() -> None:
    grid = itertools.product(
        range(5),  # current stage
        range(11),  # marker pain
        RESPONSES_24H,
        (None, 0, 3, 6, 10),  # previous marker
        (None, 5, 30),  # sitting tolerance
        ADHERENCE_LEVELS,
        (0.0, 1.0, 3.0),  # weeks at stage
    )
    for stage, marker, response, previous, sitting, adherence, weeks in grid:
        result = suggest_progression(
            current_stage=stage,
            marker_pain=marker,
            response_24h=response,
            previous_marker_pain=previous,
            sitting_tolerance_min=sitting,
            adherence=adherence,
            weeks_at_stage=weeks,
        )
        assert 0 <= result.suggested_stage <= 4
        assert abs(result.suggested_stage - stage) <= 1
        if result.decision == "progress":
            # Never progress on a painful marker, a worse next day or poor adherence.
            assert marker <= ACCEPTABLE_MARKER_PAIN
            assert response != "worse"
            assert adherence != "poor"
            assert weeks >= MIN_WEEKS_AT_STAGE
        if result.decision == "hold":
            assert result.suggested_stage == stage


def test_progression_lists_every_bad_input() -> None:
    with pytest.raises(RehabInputError) as caught:
        suggest_progression(
            current_stage=5,
            marker_pain=11,
            response_24h="settled",
            previous_marker_pain=-1,
            sitting_tolerance_min=-3,
            adherence="good",
            weeks_at_stage=-1,
        )
    assert len(caught.value.problems) == 7
    assert isinstance(caught.value, ValueError)


def test_bools_are_not_accepted_as_numbers() -> None:
    with pytest.raises(RehabInputError) as caught:
        suggest_progression(**{**GOOD, "marker_pain": True, "weeks_at_stage": True})  # type: ignore[arg-type]
    assert len(caught.value.problems) == 2


# -------------------------------------------------------------- return to running


def test_return_to_run_criteria_have_sources() -> None:
    slugs = {c.slug for c in RETURN_TO_RUN_CRITERIA}
    assert {
        "brisk-walk-30-min",
        "no-rest-pain",
        "pain-free-drop-lunge",
        "symmetric-hamstring-strength",
    } <= slugs
    statuses = {c.slug: c.source.status for c in RETURN_TO_RUN_CRITERIA}
    assert statuses["brisk-walk-30-min"] == "C"
    assert statuses["no-rest-pain"] == "C2"
    assert statuses["pain-free-drop-lunge"] == "C2"
    assert statuses["symmetric-hamstring-strength"] == "C2"


def test_walk_run_table_goes_from_mostly_walking_to_20_min_continuous() -> None:
    first, last = WALK_RUN_PROGRESSION[0], WALK_RUN_PROGRESSION[-1]
    assert (first.step, first.walk_min, first.jog_min, first.blocks) == (1, 4.5, 0.5, 4)
    assert last.step == 19 and last.continuous and last.jog_min * last.blocks == 20
    assert [s.step for s in WALK_RUN_PROGRESSION] == list(range(1, 20))
    for step in WALK_RUN_PROGRESSION[:-1]:
        assert step.walk_min + step.jog_min == 5
    jogs = [s.jog_min for s in WALK_RUN_PROGRESSION]
    assert jogs == sorted(jogs), "jog time never falls"


def test_walk_run_table_is_marked_generic() -> None:
    assert WALK_RUN_SOURCE.keys == ("S36",)
    assert "not PHT-specific" in WALK_RUN_SOURCE.note


def test_volume_speed_hills_order_is_marked_unconfirmed() -> None:
    assert RUN_PROGRESSION_ORDER == ("volume", "speed", "hills")
    assert RUN_PROGRESSION_ORDER_SOURCE.status == "M"


@dataclass(frozen=True)
class RunCase:
    description: str
    current_step: int
    response_24h: str
    pain_during_run: int
    decision: str
    suggested_step: int
    reason_fragment: str = ""


RUN_CASES: tuple[RunCase, ...] = (
    RunCase("settled and pain-free advances", 5, "same", 0, "advance", 6),
    RunCase("better and pain-free advances", 5, "better", 0, "advance", 6),
    RunCase(
        "settled with mild pain advances, noting the stricter generic rule",
        5,
        "same",
        3,
        "advance",
        6,
        "symptom-free",
    ),
    RunCase(
        "settled but pain 4/10 during the run repeats", 5, "same", 4, "repeat", 5, "above 3/10"
    ),
    RunCase("settled but pain 8/10 during the run repeats", 5, "better", 8, "repeat", 5),
    RunCase("worse next day steps back", 5, "worse", 1, "step_back", 4, "worse the next day"),
    RunCase(
        "worse next day steps back even if the run was pain-free", 5, "worse", 0, "step_back", 4
    ),
    RunCase("worse at step 1 stays at step 1", 1, "worse", 5, "step_back", 1, "pause running"),
    RunCase("advancing from step 18 reaches continuous running", 18, "same", 0, "advance", 19),
    RunCase(
        "the last step advances within running: volume, speed, hills",
        19,
        "same",
        0,
        "advance",
        19,
        "volume, then speed, then hills",
    ),
)


@pytest.mark.parametrize("case", RUN_CASES, ids=lambda c: c.description)
def test_run_progression(case: RunCase) -> None:
    result = suggest_run_progression(
        current_step=case.current_step,
        response_24h=case.response_24h,
        pain_during_run=case.pain_during_run,
    )
    assert result.decision == case.decision
    assert result.suggested_step == case.suggested_step
    assert result.step.step == case.suggested_step
    if case.reason_fragment:
        assert any(case.reason_fragment in r for r in result.reasons), result.reasons


def test_run_progression_lists_every_bad_input() -> None:
    with pytest.raises(RehabInputError) as caught:
        suggest_run_progression(current_step=20, response_24h="fine", pain_during_run=-1)
    assert len(caught.value.problems) == 3


@pytest.mark.parametrize(
    ("stage", "goals_need_running", "suggested"),
    [(3, False, 3), (3, True, 4), (2, False, 3), (4, True, 4)],
    ids=["3 no running stays", "3 running goes to 4", "2 no running goes to 3", "4 stays"],
)
def test_progress_stops_at_stage_3_when_goals_do_not_need_running(
    stage: int, goals_need_running: bool, suggested: int
) -> None:
    result = suggest_progression(
        **{**GOOD, "current_stage": stage, "sitting_tolerance_min": 60},  # type: ignore[arg-type]
        goals_need_running=goals_need_running,
    )
    assert (result.decision, result.suggested_stage) == ("progress", suggested)
