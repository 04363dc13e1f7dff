"""Rehab plan proposal: stage table, irritability, exercise choice and advice.

The catalogue here is a small hand-made one so that each test shows exactly which
exercise is expected; the shipped library is checked in test_rehab_library.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pytest

from pht.rules.rehab import (
    HIP_FLEXION_LEVELS,
    IRRITABILITY_LEVELS,
    LOAD_ADVICE,
    REHAB_STAGES,
    TENDON_STAGES,
    ExerciseSpec,
    RehabInputError,
    exercise_specs_from_list,
    irritability_from_findings,
    propose_plan,
)

# The plain evidence words a rule's reason may carry (pht.rules.sources.EVIDENCE_NOTE).
EVIDENCE_WORDS = ("from a secondary summary", "not yet confirmed", "project heuristic")

LIBRARY_PATH = Path(__file__).resolve().parents[2] / "rehab" / "data" / "exercises.json"


def spec(slug: str, stages: tuple[int, ...], load_type: str, hip_flexion: str) -> ExerciseSpec:
    return ExerciseSpec(
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        stages=stages,
        load_type=load_type,
        hip_flexion=hip_flexion,
        dosage=MappingProxyType({"sets": 3, "reps": 10}),
    )


CATALOGUE: tuple[ExerciseSpec, ...] = (
    spec("bridge-hold", (1,), "isometric", "neutral"),
    spec("straight-leg-pull-down", (1, 2), "isometric", "low"),
    # Deliberately wrong entries, as a hand-edited catalogue might hold: the rules must
    # still keep them out of stages 1 and 2.
    spec("bad-deep-isometric", (1,), "isometric", "deep"),
    spec("bad-moderate-curl", (2,), "isotonic", "moderate"),
    spec("prone-leg-curl", (2, 3), "isotonic", "neutral"),
    spec("romanian-deadlift", (3,), "isotonic", "deep"),
    spec("pogo-hops", (4,), "energy_storage", "low"),
)


# ------------------------------------------------------------------- stage data


def test_there_are_five_rehab_stages_with_text_and_sources() -> None:
    assert [stage.number for stage in REHAB_STAGES] == [0, 1, 2, 3, 4]
    for stage in REHAB_STAGES:
        assert stage.name and stage.aim and stage.entry_criteria and stage.exit_criteria
        assert stage.sources, stage.number
        for source in stage.sources:
            assert source.status in {"C", "C2", "M", "Dev"}


def test_stage_1_and_2_allow_no_more_than_low_hip_flexion() -> None:
    by_number = {stage.number: stage for stage in REHAB_STAGES}
    assert by_number[1].max_hip_flexion == "low"
    assert by_number[2].max_hip_flexion == "low"


# ------------------------------------------------------------- proposal table


@dataclass(frozen=True)
class ProposalCase:
    tendon_stage: str | None
    irritability: str
    rehab_stage: int

    @property
    def description(self) -> str:
        return (
            f"{self.tendon_stage or 'no stage'} + {self.irritability} -> stage {self.rehab_stage}"
        )


PROPOSAL_CASES: tuple[ProposalCase, ...] = (
    # High irritability always starts with isometrics.
    ProposalCase("reactive", "high", 1),
    ProposalCase("reactive_on_degenerative", "high", 1),
    ProposalCase("disrepair", "high", 1),
    ProposalCase("degenerative", "high", 1),
    ProposalCase("uncertain", "high", 1),
    ProposalCase(None, "high", 1),
    # A reactive tendon is calmed first, whatever the irritability.
    ProposalCase("reactive", "moderate", 1),
    ProposalCase("reactive", "low", 1),
    ProposalCase("reactive_on_degenerative", "moderate", 1),
    ProposalCase("reactive_on_degenerative", "low", 1),
    # Moderate irritability: only a degenerative tendon goes straight to loading.
    ProposalCase("degenerative", "moderate", 2),
    ProposalCase("disrepair", "moderate", 1),
    ProposalCase("uncertain", "moderate", 1),
    ProposalCase(None, "moderate", 1),
    # Low irritability without a reactive tendon: build strength.
    ProposalCase("degenerative", "low", 2),
    ProposalCase("disrepair", "low", 2),
    ProposalCase("uncertain", "low", 2),
    ProposalCase(None, "low", 2),
)


def test_the_proposal_table_covers_every_combination() -> None:
    combos = {(c.tendon_stage, c.irritability) for c in PROPOSAL_CASES}
    assert combos == {(s, i) for s in (*TENDON_STAGES, None) for i in IRRITABILITY_LEVELS}


@pytest.mark.parametrize("case", PROPOSAL_CASES, ids=lambda c: c.description)
def test_proposed_stage(case: ProposalCase) -> None:
    plan = propose_plan(
        tendon_stage=case.tendon_stage, irritability=case.irritability, exercises=CATALOGUE
    )
    assert plan.rehab_stage == case.rehab_stage
    assert plan.stage.number == case.rehab_stage
    assert plan.reasons, "every proposal explains itself"
    rule = plan.reasons[0]
    assert "[" not in rule, "no internal tags"
    assert any(words in rule for words in EVIDENCE_WORDS), "the rule cites its evidence"


def test_stage_1_plan_selects_only_hip_neutral_or_low_isometrics() -> None:
    plan = propose_plan(tendon_stage="reactive", irritability="high", exercises=CATALOGUE)
    assert [e.slug for e in plan.exercises] == ["bridge-hold", "straight-leg-pull-down"]


def test_stage_2_plan_keeps_out_moderate_hip_flexion() -> None:
    plan = propose_plan(tendon_stage="degenerative", irritability="low", exercises=CATALOGUE)
    assert [e.slug for e in plan.exercises] == ["straight-leg-pull-down", "prone-leg-curl"]


def test_planned_exercises_keep_their_default_dosage() -> None:
    plan = propose_plan(tendon_stage="degenerative", irritability="low", exercises=CATALOGUE)
    assert dict(plan.exercises[0].dosage) == {"sets": 3, "reps": 10}
    assert plan.to_dict()["exercises"][0]["dosage"] == {"sets": 3, "reps": 10}


def test_stage_1_never_proposes_moderate_or_deep_hip_flexion_with_the_shipped_library() -> None:
    library = exercise_specs_from_list(json.loads(LIBRARY_PATH.read_text(encoding="utf-8")))
    for tendon_stage in (*TENDON_STAGES, None):
        for irritability in IRRITABILITY_LEVELS:
            for goals_need_running in (True, False):
                plan = propose_plan(
                    tendon_stage=tendon_stage,
                    irritability=irritability,
                    exercises=library,
                    goals_need_running=goals_need_running,
                )
                assert plan.exercises, (tendon_stage, irritability)
                if plan.rehab_stage in (1, 2):
                    for exercise in plan.exercises:
                        assert HIP_FLEXION_LEVELS.index(exercise.hip_flexion) <= 1, exercise.slug
                if plan.rehab_stage == 1:
                    assert {e.load_type for e in plan.exercises} == {"isometric"}


def test_an_empty_catalogue_gives_a_note_not_an_error() -> None:
    plan = propose_plan(tendon_stage="reactive", irritability="high", exercises=())
    assert plan.exercises == ()
    assert any("No exercise in the catalogue fits stage 1" in note for note in plan.notes)


# -------------------------------------------------------------- load advice


def test_early_plan_includes_sitting_stretching_and_deep_flexion_advice() -> None:
    plan = propose_plan(tendon_stage="reactive", irritability="high", exercises=CATALOGUE)
    slugs = {advice.slug for advice in plan.load_advice}
    assert {
        "sitting-cushion",
        "sitting-seat-height",
        "sitting-breaks",
        "stop-hamstring-stretching",
        "avoid-deep-hip-flexion-early",
        "running-flat-and-steady",
        "running-shorter-stride",
        "daily-marker-test",
    } <= slugs
    assert any("Stage 0" in reason for reason in plan.reasons)


def test_running_advice_only_when_goals_need_running() -> None:
    plan = propose_plan(
        tendon_stage="degenerative",
        irritability="low",
        exercises=CATALOGUE,
        goals_need_running=False,
    )
    slugs = {advice.slug for advice in plan.load_advice}
    assert "running-flat-and-steady" not in slugs
    assert "running-shorter-stride" not in slugs
    assert "sitting-cushion" in slugs
    assert plan.path == (2, 3)
    assert any("stage 4" in note for note in plan.notes)


def test_path_runs_to_stage_4_when_goals_need_running() -> None:
    plan = propose_plan(tendon_stage="reactive", irritability="high", exercises=CATALOGUE)
    assert plan.path == (1, 2, 3, 4)


def test_every_advice_item_has_a_source_and_status() -> None:
    for advice in LOAD_ADVICE:
        assert advice.text
        assert advice.source.keys
        assert advice.source.status in {"C", "C2", "M", "Dev"}


def test_stretching_advice_mentions_that_fredericson_is_outdated() -> None:
    advice = next(a for a in LOAD_ADVICE if a.slug == "stop-hamstring-stretching")
    assert "Fredericson" in advice.source.note and "outdated" in advice.source.note


# ---------------------------------------------------------------- errors


def test_propose_plan_lists_every_bad_input() -> None:
    with pytest.raises(RehabInputError) as caught:
        propose_plan(tendon_stage="tendinosis", irritability="severe", exercises=CATALOGUE)
    assert len(caught.value.problems) == 2
    assert "tendon_stage" in caught.value.problems[0]
    assert "irritability" in caught.value.problems[1]


# ------------------------------------------------------------ irritability


@dataclass(frozen=True)
class IrritabilityCase:
    description: str
    findings: dict[str, object]
    level: str
    reason_fragment: str


IRRITABILITY_CASES: tuple[IrritabilityCase, ...] = (
    IrritabilityCase("night pain alone is high", {"night_pain": True}, "high", "Night pain"),
    IrritabilityCase(
        "night pain also points to the red-flag screen",
        {"night_pain": True},
        "high",
        "red-flag",
    ),
    IrritabilityCase("sitting under 10 min is high", {"sitting_tolerance_min": 5}, "high", "5 min"),
    IrritabilityCase(
        "sitting exactly 10 min is moderate", {"sitting_tolerance_min": 10}, "moderate", "10 min"
    ),
    IrritabilityCase(
        "sitting 29 min is moderate", {"sitting_tolerance_min": 29}, "moderate", "29 min"
    ),
    IrritabilityCase("sitting 30 min is low", {"sitting_tolerance_min": 30}, "low", "30 min"),
    IrritabilityCase("pain now 5/10 is high", {"pain_nprs_now": 5}, "high", "Pain now 5/10"),
    IrritabilityCase("pain now 3/10 is moderate", {"pain_nprs_now": 3}, "moderate", "3/10"),
    IrritabilityCase("pain now 2/10 is low", {"pain_nprs_now": 2}, "low", "2/10"),
    IrritabilityCase(
        "severe worst pain that lingers after activity is high",
        {"pain_worse_after_activity": True, "pain_nprs_worst": 7},
        "high",
        "slow to settle",
    ),
    IrritabilityCase(
        "severe worst pain that does not linger is moderate",
        {"pain_worse_after_activity": False, "pain_nprs_worst": 8},
        "moderate",
        "Worst pain 8/10",
    ),
    IrritabilityCase(
        "lingering pain with mild worst pain is moderate",
        {"pain_worse_after_activity": True, "pain_nprs_worst": 4},
        "moderate",
        "worse later",
    ),
    IrritabilityCase(
        "all reassuring findings are low",
        {
            "night_pain": False,
            "pain_worse_after_activity": False,
            "sitting_tolerance_min": 60,
            "pain_nprs_worst": 4,
            "pain_nprs_now": 0,
        },
        "low",
        "No night pain",
    ),
    IrritabilityCase(
        "nothing recorded defaults to moderate, and says so",
        {},
        "moderate",
        "cautious default",
    ),
    IrritabilityCase(
        "unrelated findings are ignored",
        {"age": 44, "sport": "running"},
        "moderate",
        "cautious default",
    ),
    IrritabilityCase(
        "one high sign outweighs reassuring ones",
        {"night_pain": False, "sitting_tolerance_min": 60, "pain_nprs_now": 6},
        "high",
        "Pain now 6/10",
    ),
)


@pytest.mark.parametrize("case", IRRITABILITY_CASES, ids=lambda c: c.description)
def test_irritability(case: IrritabilityCase) -> None:
    level, reasons = irritability_from_findings(case.findings)
    assert level == case.level
    assert any(case.reason_fragment in reason for reason in reasons), reasons
    assert any("project heuristic" in reason for reason in reasons)
    assert not any("[" in reason for reason in reasons)


def test_irritability_lists_every_bad_value() -> None:
    with pytest.raises(RehabInputError) as caught:
        irritability_from_findings(
            {
                "night_pain": "yes",
                "pain_worse_after_activity": 1,
                "sitting_tolerance_min": -5,
                "pain_nprs_worst": 11,
                "pain_nprs_now": True,
            }
        )
    assert len(caught.value.problems) == 5


# --- hand-added exercises and handout advice -------------------------------------------

from pht.rules.rehab import (  # noqa: E402
    ACCEPTABLE_MARKER_PAIN,
    PAIN_MONITORING_ADVICE,
    WHEN_TO_CALL_ADVICE,
    hip_flexion_allowed,
    weeks_between,
)


@pytest.mark.parametrize(
    ("stage", "hip_flexion", "allowed"),
    [
        (1, "neutral", True),
        (1, "low", True),
        (1, "moderate", False),
        (1, "deep", False),
        (2, "moderate", False),
        (3, "deep", True),
        (4, "deep", True),
        (0, "neutral", True),
        (0, "low", False),
        (5, "neutral", False),
        (1, "very-deep", False),
    ],
    ids=lambda v: str(v),
)
def test_hip_flexion_allowed_follows_the_stage_limit(stage, hip_flexion, allowed):
    assert hip_flexion_allowed(stage, hip_flexion) is allowed


@pytest.mark.parametrize(
    ("start", "end", "weeks"), [(0, 14, 2.0), (0, 10, 1.4), (0, 0, 0.0), (10, 3, 0.0)]
)
def test_weeks_between_counts_whole_days_and_never_goes_negative(start, end, weeks):
    assert weeks_between(start, end) == weeks


def test_pain_monitoring_advice_states_the_marker_threshold():
    text = " ".join(a.text for a in PAIN_MONITORING_ADVICE)
    assert f"{ACCEPTABLE_MARKER_PAIN} out of 10" in text
    assert "next morning" in text


def test_every_handout_advice_cites_a_source():
    for advice in (*PAIN_MONITORING_ADVICE, *WHEN_TO_CALL_ADVICE):
        assert advice.source.status in ("C", "C2", "Dev")
        assert advice.text.endswith(".")
