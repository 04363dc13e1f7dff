"""Return to running (stage 4): entry criteria, the walk-run steps and their progression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pht.rules.rehab.advice import ACCEPTABLE_MARKER_PAIN, ACCEPTABLE_MARKER_PAIN_SOURCE
from pht.rules.rehab.vocabulary import (
    RESPONSE_WORDS,
    RESPONSES_24H,
    RehabInputError,
    Source,
    is_whole_number,
)


@dataclass(frozen=True)
class Criterion:
    slug: str
    text: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "text": self.text, "source": self.source.to_dict()}


RETURN_TO_RUN_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "brisk-walk-30-min",
        "Can walk briskly for 30 minutes without pain and without limping (prerequisite).",
        Source(("S36",), "C", "From a generic return-to-running programme, not PHT-specific."),
    ),
    Criterion("no-rest-pain", "No pain at rest.", Source(("S14",), "C2")),
    Criterion(
        "pain-free-drop-lunge",
        "Unweighted drop lunge with the painful leg in front is pain-free, or close to it: "
        "shows tolerance of compressive load.",
        Source(("S14",), "C2"),
    ),
    Criterion(
        "symmetric-hamstring-strength",
        "Hamstring strength about equal on both sides, e.g. the same 10RM prone leg curl, "
        "or a similar number of single-leg bridges.",
        Source(("S14",), "C2"),
    ),
    Criterion(
        "walking-and-stairs-comfortable",
        "Walking and stairs are comfortable: very irritable presentations are usually "
        "not ready to run.",
        Source(("S-goom-guide",), "C2", "Authorship of the guide unverified."),
    ),
)


@dataclass(frozen=True)
class WalkRunStep:
    step: int
    walk_min: float  # per 5-minute block
    jog_min: float  # per 5-minute block; 5 with no walking = continuous jogging
    blocks: int
    note: str

    @property
    def continuous(self) -> bool:
        return self.walk_min == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "walk_min": self.walk_min,
            "jog_min": self.jog_min,
            "blocks": self.blocks,
            "continuous": self.continuous,
            "note": self.note,
        }


WALK_RUN_BLOCKS = 4
WALK_RUN_BLOCK_MIN = 5.0
WALK_RUN_SOURCE = Source(
    ("S36",),
    "C",
    "A GENERIC walk-jog template, not PHT-specific: 4 x 5-min blocks, step 1 walk 4.5 / "
    "jog 0.5 min, jog time +0.5 min every two steps, step 19 = 20 min continuous; "
    "advance only when symptom-free.",
)


def _walk_run_steps() -> tuple[WalkRunStep, ...]:
    steps = []
    for number in range(1, 20):
        jog = 0.5 * ((number + 1) // 2)  # 0.5, 0.5, 1.0, 1.0, ... 4.5, 4.5, 5.0
        if jog == WALK_RUN_BLOCK_MIN:
            note = "20 minutes of continuous easy jogging."
            steps.append(WalkRunStep(number, 0.0, jog, WALK_RUN_BLOCKS, note))
            continue
        note = f"{WALK_RUN_BLOCKS} blocks: walk {WALK_RUN_BLOCK_MIN - jog:g} min, jog {jog:g} min."
        if number % 2 == 0:
            # The template raises jog time every two stages; what else differs between
            # the two stages of a pair was not captured, so the pair repeats.
            note += " Same ratio as the step before: repeat it once more."
        steps.append(WalkRunStep(number, WALK_RUN_BLOCK_MIN - jog, jog, WALK_RUN_BLOCKS, note))
    return tuple(steps)


WALK_RUN_PROGRESSION: tuple[WalkRunStep, ...] = _walk_run_steps()
FIRST_RUN_STEP = WALK_RUN_PROGRESSION[0].step
LAST_RUN_STEP = WALK_RUN_PROGRESSION[-1].step

RUN_PROGRESSION_ORDER: tuple[str, ...] = ("volume", "speed", "hills")
RUN_PROGRESSION_ORDER_SOURCE = Source(
    ("S-reeves", "S-tylana", "S14"),
    "M",
    "Build volume on flat ground first, then speed, then hills, sprint strides and change "
    "of direction; run on alternate days at first. Consistent with these secondary sources "
    "but not confirmed in a primary source.",
)
# The generic template (S36) advances only when symptom-free. The project allows up to
# the marker threshold, in line with the tendon pain-monitoring model (S15).
ACCEPTABLE_RUN_PAIN = ACCEPTABLE_MARKER_PAIN
SYMPTOM_FREE_SOURCE = Source(("S36",), "C")
RUN_PAIN_ALLOWANCE_SOURCE = Source(("DEV", "S15"), "Dev")


@dataclass(frozen=True)
class RunSuggestion:
    decision: str  # "advance", "repeat" or "step_back"
    current_step: int
    suggested_step: int
    step: WalkRunStep  # the suggested step's content
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "current_step": self.current_step,
            "suggested_step": self.suggested_step,
            "step": self.step.to_dict(),
            "reasons": list(self.reasons),
        }


def _run_step(number: int) -> WalkRunStep:
    return WALK_RUN_PROGRESSION[number - FIRST_RUN_STEP]


def suggest_run_progression(
    *, current_step: int, response_24h: str, pain_during_run: int
) -> RunSuggestion:
    """Advance, repeat or step back one walk-run step.

    * **step_back** one step when the pain was worse the next day (step 1 stays 1);
    * **advance** one step when the next day settled (better or same) and pain during
      the run was at most ``ACCEPTABLE_RUN_PAIN``;
    * **repeat** when borderline: the next day settled but pain during the run was
      above ``ACCEPTABLE_RUN_PAIN``.
    """
    problems: list[str] = []
    if not (is_whole_number(current_step) and FIRST_RUN_STEP <= current_step <= LAST_RUN_STEP):
        problems.append(
            f"current_step: must be a step number {FIRST_RUN_STEP}-{LAST_RUN_STEP}, "
            f"got {current_step!r}"
        )
    if response_24h not in RESPONSES_24H:
        problems.append(f"response_24h: {response_24h!r} is not one of {', '.join(RESPONSES_24H)}")
    if not (is_whole_number(pain_during_run) and 0 <= pain_during_run <= 10):
        problems.append(f"pain_during_run: must be a whole number 0-10, got {pain_during_run!r}")
    if problems:
        raise RehabInputError(problems)

    limit = f"{ACCEPTABLE_RUN_PAIN}/10 {ACCEPTABLE_MARKER_PAIN_SOURCE.in_text}"
    if response_24h == "worse":
        target = max(current_step - 1, FIRST_RUN_STEP)
        reasons = ["Pain was worse the next day: the last run was too much."]
        if current_step == FIRST_RUN_STEP:
            reasons.append(
                "Already at the first step: pause running until the marker settles, keep "
                "up the strength work, and recheck the return-to-running criteria."
            )
        else:
            reasons.append(f"Go back to step {target} and rebuild from there.")
        return RunSuggestion("step_back", current_step, target, _run_step(target), tuple(reasons))

    if pain_during_run > ACCEPTABLE_RUN_PAIN:
        reasons = [
            f"The next day settled, but pain during the run was {pain_during_run}/10, "
            f"above {limit}: repeat this step."
        ]
        return RunSuggestion(
            "repeat", current_step, current_step, _run_step(current_step), tuple(reasons)
        )

    reasons = [
        f"The next morning the pain was {RESPONSE_WORDS[response_24h]} and pain during the run was "
        f"{pain_during_run}/10, within {limit}."
    ]
    if pain_during_run > 0:
        reasons.append(
            "The generic template advances only when symptom-free "
            f"{SYMPTOM_FREE_SOURCE.in_text}; this project allows up to the marker threshold "
            f"{RUN_PAIN_ALLOWANCE_SOURCE.in_text}. Decide with the patient."
        )
    if current_step == LAST_RUN_STEP:
        reasons.append(
            "20 minutes of continuous jogging reached: now build volume, then speed, then "
            f"hills {RUN_PROGRESSION_ORDER_SOURCE.in_text}, on alternate days at first."
        )
        return RunSuggestion(
            "advance", current_step, LAST_RUN_STEP, _run_step(LAST_RUN_STEP), tuple(reasons)
        )
    target = current_step + 1
    reasons.append(
        f"Move on to step {target}; run on alternate days at first {RUN_PROGRESSION_ORDER_SOURCE.in_text}."
    )
    return RunSuggestion("advance", current_step, target, _run_step(target), tuple(reasons))
