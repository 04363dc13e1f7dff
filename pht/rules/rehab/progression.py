"""Progress, hold or regress a stage from a progress review (the pain-monitoring model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pht.rules.rehab.advice import ACCEPTABLE_MARKER_PAIN, ACCEPTABLE_MARKER_PAIN_SOURCE
from pht.rules.rehab.vocabulary import (
    ADHERENCE_LEVELS,
    FIRST_STAGE,
    LAST_STAGE,
    RESPONSE_WORDS,
    RESPONSES_24H,
    RehabInputError,
    Source,
    is_whole_number,
)
from pht.rules.rehab.wording import plural

REGRESS_PAIN_RISE = 2  # regress when the marker rises by MORE than this (> 2 points)
REGRESS_PAIN_RISE_SOURCE = Source(("DEV",), "Dev", "Project choice.")
MIN_WEEKS_AT_STAGE = 1.0
MIN_WEEKS_AT_STAGE_SOURCE = Source(
    ("DEV",), "Dev", "Project choice from 'about 1-2 weeks' at a stage."
)
# Stage 3 adds hip flexion, i.e. compression. Sitting is the everyday compression
# test, so a short sitting tolerance holds the step from 2 to 3.
MIN_SITTING_FOR_STAGE_3_MIN = 30
MIN_SITTING_FOR_STAGE_3_SOURCE = Source(
    ("DEV", "S30"),
    "Dev",
    "The PHT trial counted sitting under 30 min as symptomatic; using it as a gate here is "
    "a project choice.",
)
SETTLE_WITHIN_24H_SOURCE = Source(("S16",), "C2")
REDUCE_WITHIN_STAGE_SOURCE = Source(("DEV",), "Dev")
# The acceptable marker pain as the reasons write it, with its evidence status.
_THRESHOLD_LABEL = f"{ACCEPTABLE_MARKER_PAIN}/10 {ACCEPTABLE_MARKER_PAIN_SOURCE.in_text}"


@dataclass(frozen=True)
class ProgressionSuggestion:
    decision: str  # "progress", "hold" or "regress"
    current_stage: int
    suggested_stage: int
    reasons: tuple[str, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "current_stage": self.current_stage,
            "suggested_stage": self.suggested_stage,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
        }


def _input_problems(
    current_stage: object,
    marker_pain: object,
    response_24h: object,
    previous_marker_pain: object,
    sitting_tolerance_min: object,
    adherence: object,
    weeks_at_stage: object,
) -> list[str]:
    problems: list[str] = []
    if not (is_whole_number(current_stage) and FIRST_STAGE <= current_stage <= LAST_STAGE):
        problems.append(f"current_stage: must be a stage number 0-4, got {current_stage!r}")
    if not (is_whole_number(marker_pain) and 0 <= marker_pain <= 10):
        problems.append(f"marker_pain: must be a whole number 0-10, got {marker_pain!r}")
    if previous_marker_pain is not None and not (
        is_whole_number(previous_marker_pain) and 0 <= previous_marker_pain <= 10
    ):
        problems.append(
            f"previous_marker_pain: must be a whole number 0-10 or None, got {previous_marker_pain!r}"
        )
    if response_24h not in RESPONSES_24H:
        problems.append(f"response_24h: {response_24h!r} is not one of {', '.join(RESPONSES_24H)}")
    if sitting_tolerance_min is not None and not (
        is_whole_number(sitting_tolerance_min) and sitting_tolerance_min >= 0
    ):
        problems.append(
            f"sitting_tolerance_min: must be a whole number >= 0 or None, got {sitting_tolerance_min!r}"
        )
    if adherence not in ADHERENCE_LEVELS:
        problems.append(f"adherence: {adherence!r} is not one of {', '.join(ADHERENCE_LEVELS)}")
    if isinstance(weeks_at_stage, bool) or not (
        isinstance(weeks_at_stage, int | float) and weeks_at_stage >= 0
    ):
        problems.append(f"weeks_at_stage: must be a number >= 0, got {weeks_at_stage!r}")
    return problems


def suggest_progression(
    *,
    current_stage: int,
    marker_pain: int,
    response_24h: str,
    previous_marker_pain: int | None,
    sitting_tolerance_min: int | None,
    adherence: str,
    weeks_at_stage: float,
    goals_need_running: bool = True,
) -> ProgressionSuggestion:
    """Suggest progress / hold / regress from the pain-monitoring model.

    With ``goals_need_running`` false, stage 3 is the last stage (as in
    :func:`pht.rules.rehab.proposal.propose_plan`): a progress there stays at 3.

    Rules, checked in this order:

    1. **Regress** one stage when the marker pain rose by more than
       ``REGRESS_PAIN_RISE`` points since the last review, or is above
       ``ACCEPTABLE_MARKER_PAIN`` and was worse the next day. Stage 0 stays 0.
    2. **Hold** when any progress condition is missing: each missing one is a reason.
    3. **Progress** one stage when marker pain is at most ``ACCEPTABLE_MARKER_PAIN``,
       the 24-h response settled (better or same), the marker did not rise, adherence
       is not poor, at least ``MIN_WEEKS_AT_STAGE`` weeks were spent at the stage, and
       (2 to 3 only) sitting tolerance is at least ``MIN_SITTING_FOR_STAGE_3_MIN``.
       Stage 4 never goes beyond 4: the return-to-running progression takes over.
    """
    problems = _input_problems(
        current_stage,
        marker_pain,
        response_24h,
        previous_marker_pain,
        sitting_tolerance_min,
        adherence,
        weeks_at_stage,
    )
    if problems:
        raise RehabInputError(problems)

    review = _Review(
        current_stage=current_stage,
        marker_pain=marker_pain,
        response_24h=response_24h,
        previous_marker_pain=previous_marker_pain,
        sitting_tolerance_min=sitting_tolerance_min,
        adherence=adherence,
        weeks_at_stage=weeks_at_stage,
        goals_need_running=goals_need_running,
    )
    regress = _regress_reasons(review)
    if regress:
        return _regression(current_stage, regress)
    hold = _hold_reasons(review)
    if hold:
        return ProgressionSuggestion("hold", current_stage, current_stage, tuple(hold), ())
    return _progression(review)


@dataclass(frozen=True)
class _Review:
    """One validated progress review, as every rule of :func:`suggest_progression` reads it."""

    current_stage: int
    marker_pain: int
    response_24h: str
    previous_marker_pain: int | None
    sitting_tolerance_min: int | None
    adherence: str
    weeks_at_stage: float
    goals_need_running: bool

    @property
    def rise(self) -> int | None:
        """How much the marker pain rose since the last review (None: no previous rating)."""
        if self.previous_marker_pain is None:
            return None
        return self.marker_pain - self.previous_marker_pain


def _regress_reasons(review: _Review) -> list[str]:
    """Rule 1: why the load is not being tolerated (empty: no reason to regress)."""
    regress: list[str] = []
    rise = review.rise
    if rise is not None and rise > REGRESS_PAIN_RISE:
        regress.append(
            f"Marker pain rose from {review.previous_marker_pain}/10 to {review.marker_pain}/10, "
            f"more than {plural(REGRESS_PAIN_RISE, 'point')} {REGRESS_PAIN_RISE_SOURCE.in_text}."
        )
    if review.marker_pain > ACCEPTABLE_MARKER_PAIN and review.response_24h == "worse":
        regress.append(
            f"Marker pain {review.marker_pain}/10 is above {_THRESHOLD_LABEL} and was worse the "
            "next day: the load is not being tolerated."
        )
    return regress


def _regression(current_stage: int, regress: list[str]) -> ProgressionSuggestion:
    """One stage back (stage 0 stays 0), with what to do first."""
    target = max(current_stage - 1, FIRST_STAGE)
    if current_stage == FIRST_STAGE:
        advice = (
            "Already at stage 0: reduce provocative activity further and keep the "
            "load-management advice. If it does not settle, review the diagnosis and "
            "consider medical review or adjuncts."
        )
    else:
        advice = (
            f"Drop back to stage {target}, or first reduce the load or hip-flexion "
            f"angle within the stage {REDUCE_WITHIN_STAGE_SOURCE.in_text}."
        )
    return ProgressionSuggestion("regress", current_stage, target, (*regress, advice), ())


def _hold_reasons(review: _Review) -> list[str]:
    """Rule 2: every progress condition that is missing (empty: none is)."""
    hold: list[str] = []
    rise = review.rise
    if review.marker_pain > ACCEPTABLE_MARKER_PAIN:
        hold.append(
            f"Marker pain {review.marker_pain}/10 is above {_THRESHOLD_LABEL}: reduce the load "
            "within the stage and review."
        )
    if review.response_24h == "worse":
        hold.append(
            "Pain was worse the next day: the session was too much; repeat it with less "
            "volume or load until it settles within 24 hours "
            f"{SETTLE_WITHIN_24H_SOURCE.in_text}."
        )
    if rise is not None and 0 < rise <= REGRESS_PAIN_RISE:
        hold.append(
            f"Marker pain rose by {plural(rise, 'point')} since the last review; stay until "
            "it is stable."
        )
    if review.adherence == "poor":
        hold.append(
            "Adherence was poor: the stage's load has not been done often enough to judge "
            "tolerance. Talk through the barriers before progressing."
        )
    if review.weeks_at_stage < MIN_WEEKS_AT_STAGE:
        hold.append(
            f"Only {plural(review.weeks_at_stage, 'week')} at this stage; allow at least "
            f"{plural(MIN_WEEKS_AT_STAGE, 'week')} (about 1-2 weeks) "
            f"{MIN_WEEKS_AT_STAGE_SOURCE.in_text}."
        )
    sitting = review.sitting_tolerance_min
    if review.current_stage == 2 and sitting is not None and sitting < MIN_SITTING_FOR_STAGE_3_MIN:
        hold.append(
            f"Sitting tolerance {sitting} min (under "
            f"{MIN_SITTING_FOR_STAGE_3_MIN} min): compression tolerance is still low for "
            f"the deeper hip flexion of stage 3 {MIN_SITTING_FOR_STAGE_3_SOURCE.in_text}."
        )
    return hold


def _progression(review: _Review) -> ProgressionSuggestion:
    """Rule 3: one stage on, or progress within the last stage of the plan."""
    current_stage = review.current_stage
    reasons = [
        f"Marker pain {review.marker_pain}/10 is within 0-{_THRESHOLD_LABEL}.",
        f"The next morning the pain was {RESPONSE_WORDS[review.response_24h]}: it settled "
        "within 24 hours.",
        f"{plural(review.weeks_at_stage, 'week')} at this stage.",
    ]
    notes: list[str] = []
    if review.rise is None:
        notes.append("No previous marker rating to compare: stability judged on this review.")
    else:
        reasons.append(f"Marker pain did not rise (previous {review.previous_marker_pain}/10).")
    if review.adherence == "partial":
        notes.append("Adherence was partial: check the target load was actually reached.")
    if current_stage == 2 and review.sitting_tolerance_min is None:
        notes.append("Sitting tolerance not recorded: check compression tolerance before stage 3.")

    if current_stage == LAST_STAGE - 1 and not review.goals_need_running:
        reasons.append(
            "Goals do not need running or springy loading, so stage 3 is the last stage: "
            "keep building load within it and finish when its exit criteria are met (a "
            "pain-free drop lunge, a stable 24-hour response)."
        )
        return ProgressionSuggestion(
            "progress", current_stage, current_stage, tuple(reasons), tuple(notes)
        )

    if current_stage == LAST_STAGE:
        reasons.append(
            "Stage 4 is the last stage: progress within it by the return-to-running "
            "progression (walk-run steps, then volume, speed and hills) rather than to a "
            "further stage."
        )
        return ProgressionSuggestion(
            "progress", current_stage, LAST_STAGE, tuple(reasons), tuple(notes)
        )

    target = current_stage + 1
    notes.append(f"Check that the stage {target} marker test is tolerable before moving on.")
    if target == LAST_STAGE:
        notes.append(
            "Stage 4 is for goals that need running or springy loading; check the "
            "return-to-running criteria first."
        )
    return ProgressionSuggestion("progress", current_stage, target, tuple(reasons), tuple(notes))


def weeks_between(start_ordinal: int, end_ordinal: int) -> float:
    """Whole weeks (one decimal) between two dates given as ``date.toordinal()``; never < 0."""
    return max(round((end_ordinal - start_ordinal) / 7, 1), 0.0)
