"""The starting rehab stage and the proposed plan (exercises and load advice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pht.rules.rehab.advice import LoadAdvice, load_advice_for
from pht.rules.rehab.library import ExerciseSpec, exercises_for_stage
from pht.rules.rehab.stages import RehabStage, rehab_stage
from pht.rules.rehab.vocabulary import (
    IRRITABILITY_LEVELS,
    LAST_STAGE,
    TENDON_STAGES,
    RehabInputError,
    Source,
)


@dataclass(frozen=True)
class PlanProposal:
    rehab_stage: int
    stage: RehabStage
    tendon_stage: str | None
    irritability: str
    reasons: tuple[str, ...]
    exercises: tuple[ExerciseSpec, ...]
    load_advice: tuple[LoadAdvice, ...]
    path: tuple[int, ...]  # the stages still ahead, starting with the proposed one
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rehab_stage": self.rehab_stage,
            "stage": self.stage.to_dict(),
            "tendon_stage": self.tendon_stage,
            "irritability": self.irritability,
            "reasons": list(self.reasons),
            "exercises": [e.to_dict() for e in self.exercises],
            "load_advice": [a.to_dict() for a in self.load_advice],
            "path": list(self.path),
            "notes": list(self.notes),
        }


REACTIVE_GROUP: frozenset[str] = frozenset({"reactive", "reactive_on_degenerative"})

# Where each starting rule comes from.
HIGH_IRRITABILITY_RULE_SOURCE = Source(("DEV", "S16"), "Dev")
REACTIVE_RULE_SOURCE = Source(("S9",), "C2")
ISOMETRICS_CALM_SOURCE = Source(("GOOM-2016",), "M")
STARTING_STAGE_SOURCE = Source(("DEV",), "Dev")
DEGENERATIVE_LOAD_SOURCE = Source(("S9",), "C2")


def _tendon_words(tendon_stage: str | None) -> str:
    """ "with a reactive tendon", "with the tendon stage not established"."""
    if tendon_stage in (None, "uncertain"):
        return "with the tendon stage not established"
    return f"with a {tendon_stage.replace('_', '-')} tendon"


def starting_stage(tendon_stage: str | None, irritability: str) -> tuple[int, str]:
    """The rehab stage to start at, and the named rule that chose it. All rules are
    project heuristics.

    ============================== ==== ======== ===
    tendon stage \\ irritability    high moderate low
    ============================== ==== ======== ===
    reactive, reactive_on_degen.   1    1        1
    disrepair, uncertain, None     1    1        2
    degenerative                   1    2        2
    ============================== ==== ======== ===

    Stages 3 and 4 are never a starting point: they are reached by
    :func:`pht.rules.rehab.progression.suggest_progression` once the earlier stage's exit
    criteria are met.
    """
    if irritability == "high":
        return 1, (
            "High irritability, the stage 1 entry criterion: start with isometrics for pain "
            f"relief, hip near neutral {HIGH_IRRITABILITY_RULE_SOURCE.in_text}."
        )
    if tendon_stage in REACTIVE_GROUP:
        assert tendon_stage is not None
        return 1, (
            f"A {tendon_stage.replace('_', '-')} tendon is calmed with less load and "
            f"isometrics, not heavy or compressive load {REACTIVE_RULE_SOURCE.in_text}; "
            f"isometrics for this follow {ISOMETRICS_CALM_SOURCE.citation}."
        )
    if irritability == "low":
        return 2, (
            f"Low irritability {_tendon_words(tendon_stage)}: start building strength with "
            "heavy slow resistance and little hip flexion "
            f"{STARTING_STAGE_SOURCE.in_text}."
        )
    if tendon_stage == "degenerative":
        return 2, (
            "A degenerative tendon needs progressive load to build capacity "
            f"{DEGENERATIVE_LOAD_SOURCE.in_text}; moderate irritability allows isotonic "
            "work with little hip flexion as long as marker pain stays at 3/10 or less "
            f"{STARTING_STAGE_SOURCE.in_text}."
        )
    return 1, (
        f"Moderate irritability {_tendon_words(tendon_stage)}: start with isometrics and "
        "move to stage 2 once the marker settles, usually within 1-2 weeks "
        f"{STARTING_STAGE_SOURCE.in_text}."
    )


def propose_plan(
    *,
    tendon_stage: str | None,
    irritability: str,
    exercises: Sequence[ExerciseSpec],
    goals_need_running: bool = True,
) -> PlanProposal:
    """Suggest a starting rehab stage, its exercises and load-management advice.

    ``exercises`` is the library catalogue; the plan lists every catalogue exercise
    that fits the stage (listed for it, within its hip-flexion limit) with its default
    dosage, in catalogue order, for the clinician to choose from. Stage-0 advice is
    always included.
    """
    problems: list[str] = []
    if tendon_stage is not None and tendon_stage not in TENDON_STAGES:
        problems.append(
            f"tendon_stage: {tendon_stage!r} is not one of {', '.join(TENDON_STAGES)} or None"
        )
    if irritability not in IRRITABILITY_LEVELS:
        problems.append(
            f"irritability: {irritability!r} is not one of {', '.join(IRRITABILITY_LEVELS)}"
        )
    if problems:
        raise RehabInputError(problems)

    number, rule = starting_stage(tendon_stage, irritability)
    stage = rehab_stage(number)
    reasons = [rule]
    if tendon_stage in (None, "uncertain"):
        reasons.append("Tendon stage not established: the proposal leans on irritability.")
    reasons.append(
        "Stage 0 load management (sitting, stretching, running load) runs alongside every stage."
    )

    chosen = exercises_for_stage(number, exercises)
    notes: list[str] = [
        "This is a suggestion: adjust it to the patient, and progress or regress with "
        "the daily marker test."
    ]
    if not chosen:
        notes.append(f"No exercise in the catalogue fits stage {number}; add one by hand.")

    last = LAST_STAGE if goals_need_running else LAST_STAGE - 1
    if not goals_need_running:
        notes.append(
            "Goals do not need running: stage 4 (energy storage, return to running) is "
            "left out; finish when stage 3 exit criteria are met."
        )

    return PlanProposal(
        rehab_stage=number,
        stage=stage,
        tendon_stage=tendon_stage,
        irritability=irritability,
        reasons=tuple(reasons),
        exercises=chosen,
        load_advice=load_advice_for(number, goals_need_running=goals_need_running),
        path=tuple(range(number, last + 1)),
        notes=tuple(notes),
    )
