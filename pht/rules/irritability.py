"""Irritability of the tendon, from the assessment's findings: the one definition.

Irritability is how easily the pain is provoked and how slowly it settles: ``high``,
``moderate`` or ``low``. The rehab rules start the plan from it, and the stage heuristic
reads the same markers. Every threshold below is a project heuristic, not yet validated; it
turns the clinical idea (severe, easily provoked, slow to settle) into explicit rules.
"""

from collections.abc import Mapping
from typing import Literal, TypeGuard

from pht.rules.errors import RehabInputError

IRRITABILITY_LEVELS: tuple[str, ...] = ("high", "moderate", "low")

HIGH_IRRITABILITY_SITTING_MIN = 10  # sitting tolerance under 10 min: easily provoked
# Under 30 min: the inclusion cut-off of a PHT trial (Rich et al. 2023); its use here is a
# project heuristic.
MODERATE_IRRITABILITY_SITTING_MIN = 30
HIGH_IRRITABILITY_PAIN_NOW = 5  # 5/10 or more at rest during the visit
MODERATE_IRRITABILITY_PAIN_NOW = 3
HIGH_IRRITABILITY_PAIN_WORST = 7  # with pain worse after activity: severe and slow to settle
MODERATE_IRRITABILITY_PAIN_WORST = 5

IRRITABILITY_KEYS: tuple[str, ...] = (
    "night_pain",
    "pain_worse_after_activity",
    "sitting_tolerance_min",
    "pain_nprs_worst",
    "pain_nprs_now",
)

_HEURISTIC = "Thresholds are project heuristics, not yet validated."

# One marker: how much it says about irritability, and the reason in words.
type _Marker = tuple[Literal["high", "moderate", "reassuring"], str]


def _is_int(value: object) -> TypeGuard[int]:
    # bool is a subclass of int; True must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _input_problems(findings: Mapping[str, object]) -> list[str]:
    problems: list[str] = []
    for key in ("night_pain", "pain_worse_after_activity"):
        if key in findings and not isinstance(findings[key], bool):
            problems.append(f"{key}: must be true or false, got {findings[key]!r}")
    if "sitting_tolerance_min" in findings:
        value = findings["sitting_tolerance_min"]
        if not (_is_int(value) and value >= 0):
            problems.append(f"sitting_tolerance_min: must be a whole number >= 0, got {value!r}")
    for key in ("pain_nprs_worst", "pain_nprs_now"):
        if key in findings:
            value = findings[key]
            if not (_is_int(value) and 0 <= value <= 10):
                problems.append(f"{key}: must be a whole number 0-10, got {value!r}")
    return problems


def irritability_from_findings(findings: Mapping[str, object]) -> tuple[str, list[str]]:
    """Derive ``high`` / ``moderate`` / ``low`` irritability, with the reasons.

    Reads only the findings keys in ``IRRITABILITY_KEYS`` (other keys are ignored; the core
    rules validate the full findings). An absent key means "not asked", never "no": with
    none of the keys recorded the answer is ``moderate``, a cautious default, and the
    reason says so. Raises :class:`RehabInputError` listing every bad value.
    """
    problems = _input_problems(findings)
    if problems:
        raise RehabInputError(problems)

    night_pain = findings.get("night_pain")
    worse_after = findings.get("pain_worse_after_activity")
    sitting = findings.get("sitting_tolerance_min")
    worst = findings.get("pain_nprs_worst")
    now = findings.get("pain_nprs_now")

    markers: list[_Marker] = []
    if night_pain is True:
        markers.append(
            (
                "high",
                "Night pain: the tendon is irritable at rest. Also check the red-flag screen "
                "(unremitting night pain).",
            )
        )
    elif night_pain is False:
        markers.append(("reassuring", "No night pain."))
    if isinstance(sitting, int):
        markers.append(_sitting_marker(sitting))
    if isinstance(now, int):
        markers.append(_pain_now_marker(now))
    markers.extend(_after_activity_markers(worse_after, worst))
    return _conclusion(
        [text for weight, text in markers if weight == "high"],
        [text for weight, text in markers if weight == "moderate"],
        [text for weight, text in markers if weight == "reassuring"],
    )


def _sitting_marker(sitting: int) -> _Marker:
    if sitting < HIGH_IRRITABILITY_SITTING_MIN:
        return (
            "high",
            f"Sitting tolerance {sitting} min (under {HIGH_IRRITABILITY_SITTING_MIN} min): "
            "easily provoked by compression.",
        )
    if sitting < MODERATE_IRRITABILITY_SITTING_MIN:
        return (
            "moderate",
            f"Sitting tolerance {sitting} min (under {MODERATE_IRRITABILITY_SITTING_MIN} min).",
        )
    return "reassuring", f"Sitting tolerance {sitting} min."


def _pain_now_marker(now: int) -> _Marker:
    if now >= HIGH_IRRITABILITY_PAIN_NOW:
        return "high", f"Pain now {now}/10 (at least {HIGH_IRRITABILITY_PAIN_NOW}/10) at rest."
    if now >= MODERATE_IRRITABILITY_PAIN_NOW:
        return "moderate", f"Pain now {now}/10."
    return "reassuring", f"Pain now {now}/10."


def _after_activity_markers(worse_after: object, worst: object) -> list[_Marker]:
    """Worst pain and pain after activity: together, severe and slow to settle is high."""
    severe = isinstance(worst, int) and worst >= HIGH_IRRITABILITY_PAIN_WORST
    if worse_after is True and severe:
        return [
            (
                "high",
                f"Worst pain {worst}/10 and worse later in the day or next morning after "
                "activity: severe and slow to settle.",
            )
        ]
    markers: list[_Marker] = []
    if worse_after is True:
        markers.append(
            ("moderate", "Pain is worse later in the day or next morning after activity.")
        )
    elif worse_after is False:
        markers.append(("reassuring", "Pain does not flare after activity."))
    if isinstance(worst, int):
        if worst >= MODERATE_IRRITABILITY_PAIN_WORST:
            markers.append(("moderate", f"Worst pain {worst}/10."))
        else:
            markers.append(("reassuring", f"Worst pain {worst}/10."))
    return markers


def _conclusion(
    high: list[str], moderate: list[str], reassuring: list[str]
) -> tuple[str, list[str]]:
    """The level from the strongest markers present, with the reasons that support it."""
    if high:
        return "high", [*high, *moderate, f"High irritability. {_HEURISTIC}"]
    if moderate:
        return "moderate", [*moderate, f"Moderate irritability. {_HEURISTIC}"]
    if reassuring:
        return "low", [*reassuring, f"Low irritability. {_HEURISTIC}"]
    return "moderate", [
        "No irritability findings recorded (night pain, pain after activity, sitting "
        "tolerance, pain ratings): moderate assumed as a cautious default (project "
        "heuristic, not yet validated)."
    ]
