"""Tendon stage on the Cook & Purdam continuum (KNOWLEDGE.md section 3; heuristic 3.3).

Stages: ``reactive``, ``disrepair``, ``degenerative``, ``reactive_on_degenerative``, and
``uncertain`` when the findings cannot support a stage. Given only when PHT is in play (its
level is likely or possible); otherwise the evaluation's stage is null.

**The whole heuristic is a project choice [Dev]** built from the continuum papers' clinical
features (several of them [M]); every threshold below is named and commented. Each recorded
input casts one vote toward *reactive* (R) or *degenerative* (D):

- weeks since onset: ``<= REACTIVE_MAX_WEEKS`` -> R; ``>= CHRONIC_MIN_WEEKS`` -> D
- recent training load change: yes -> R; no -> D
- age: ``< YOUNG_AGE_MAX`` -> R; ``> OLDER_AGE_MIN`` -> D
- irritability (night pain, pain worse after activity, sitting tolerance
  ``<= LOW_SITTING_TOLERANCE_MIN``): ``>= HIGH_IRRITABILITY_MARKERS`` present -> R; all three
  recorded and none present -> D
- previous episodes: none -> R (first episode); yes -> D (recurrent)
- imaging: partial tear -> D; thickening / swelling without a tear -> R

Decision, in order:

1. fewer than ``MIN_INPUTS`` inputs recorded -> uncertain;
2. a degenerative background (recurrent episodes, chronic duration or a partial tear) *and* an
   acute flare (recent load change with high irritability) -> reactive_on_degenerative;
3. R - D ``>= STAGE_MARGIN`` -> reactive; D - R ``>= STAGE_MARGIN`` -> degenerative;
4. duration between the two cut-offs -> disrepair;
5. otherwise uncertain.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pht.rules.sources import SOURCES

type StageSlug = Literal[
    "reactive", "disrepair", "degenerative", "reactive_on_degenerative", "uncertain"
]
type Toward = Literal["reactive", "degenerative", "flare"]

# [Dev] "Short (days to weeks)": six weeks covers a reactive response to a load spike.
REACTIVE_MAX_WEEKS = 6
# [Dev] Cacchio's chronic PHT was >= 6 months of symptoms [C2: S4, S5]; 26 weeks.
CHRONIC_MIN_WEEKS = 26
# [Dev] Age cut-offs from KNOWLEDGE.md 3.3: "< ~35" and "> ~45" (MRI tearing seen > 45, S33).
YOUNG_AGE_MAX = 35
OLDER_AGE_MIN = 45
# [Dev] "Sitting tolerance very low": 15 minutes, half the 30-minute trial criterion (S30).
LOW_SITTING_TOLERANCE_MIN = 15
# [Dev] Two of the three irritability markers make irritability "high".
HIGH_IRRITABILITY_MARKERS = 2
# [Dev] At least three recorded inputs are needed to suggest any stage.
MIN_INPUTS = 3
# [Dev] A stage needs a lead of two votes over the other end of the continuum.
STAGE_MARGIN = 2

STAGE_NAMES: dict[str, str] = {
    "reactive": "Reactive tendinopathy",
    "disrepair": "Tendon disrepair",
    "degenerative": "Degenerative tendinopathy",
    "reactive_on_degenerative": "Reactive-on-degenerative tendinopathy",
    "uncertain": "Stage uncertain",
}

_DEV = "project heuristic, not a literature finding"


@dataclass(frozen=True)
class StageReason:
    finding: str
    toward: Toward
    text: str
    source: str
    citation: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "toward": self.toward,
            "text": self.text,
            "source": self.source,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Stage:
    slug: StageSlug
    name: str
    reasons: tuple[StageReason, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "summary": self.summary,
        }


def _reason(finding: str, toward: Toward, text: str, source: str = "S9") -> StageReason:
    return StageReason(finding, toward, f"{text} ({_DEV})", source, SOURCES[source])


def stage(flat: Mapping[str, Any]) -> Stage:
    reasons: list[StageReason] = []
    inputs = 0

    weeks = flat.get("duration_weeks")
    if weeks is not None:
        inputs += 1
        if weeks <= REACTIVE_MAX_WEEKS:
            reasons.append(
                _reason(
                    "duration_weeks",
                    "reactive",
                    f"Short history ({weeks:g} weeks) suggests a reactive tendon",
                )
            )
        elif weeks >= CHRONIC_MIN_WEEKS:
            reasons.append(
                _reason(
                    "duration_weeks",
                    "degenerative",
                    f"Long history ({weeks:g} weeks) suggests degenerative change",
                )
            )

    load = flat.get("recent_training_load_change")
    if load is not None:
        inputs += 1
        if load:
            reasons.append(
                _reason(
                    "recent_training_load_change",
                    "reactive",
                    "A recent rise in training load suggests a reactive response",
                )
            )
        else:
            reasons.append(
                _reason(
                    "recent_training_load_change",
                    "degenerative",
                    "No recent load change points away from a purely reactive tendon",
                )
            )

    age = flat.get("age")
    if age is not None:
        inputs += 1
        if age < YOUNG_AGE_MAX:
            reasons.append(
                _reason("age", "reactive", f"Younger patient (age {age}) fits a reactive tendon")
            )
        elif age > OLDER_AGE_MIN:
            reasons.append(
                _reason(
                    "age",
                    "degenerative",
                    f"Age over {OLDER_AGE_MIN} (age {age}) fits degenerative change",
                    "S33",
                )
            )

    markers, recorded = _irritability(flat)
    if recorded:
        inputs += 1
    high_irritability = len(markers) >= HIGH_IRRITABILITY_MARKERS
    if high_irritability:
        reasons.append(
            _reason(
                " + ".join(markers),
                "reactive",
                "High irritability (" + ", ".join(_MARKER_WORDS[m] for m in markers) + ") "
                "suggests a reactive tendon",
                "S10",
            )
        )
    elif recorded == 3 and not markers:
        reasons.append(
            _reason(
                "night_pain + pain_worse_after_activity + sitting_tolerance_min",
                "degenerative",
                "Low irritability fits a degenerative tendon",
                "S10",
            )
        )

    previous = flat.get("previous_episodes")
    if previous is not None:
        inputs += 1
        if previous:
            reasons.append(
                _reason(
                    "previous_episodes",
                    "degenerative",
                    "Recurrent episodes suggest degenerative change",
                )
            )
        else:
            reasons.append(
                _reason(
                    "previous_episodes", "reactive", "A first episode suggests a reactive tendon"
                )
            )

    partial_tear = flat.get("imaging.partial_tear") is True
    if partial_tear:
        inputs += 1
        reasons.append(
            _reason(
                "imaging.partial_tear",
                "degenerative",
                "Partial tearing on imaging fits degenerative change",
                "S33",
            )
        )
    elif flat.get("imaging.tendon_thickening") is True:
        inputs += 1
        reasons.append(
            _reason(
                "imaging.tendon_thickening",
                "reactive",
                "Tendon swelling without a tear on imaging fits a reactive tendon",
            )
        )

    reactive_votes = sum(1 for r in reasons if r.toward == "reactive")
    degenerative_votes = sum(1 for r in reasons if r.toward == "degenerative")
    chronic = weeks is not None and weeks >= CHRONIC_MIN_WEEKS
    degenerative_background = previous is True or chronic or partial_tear
    flare = load is True and high_irritability

    if inputs < MIN_INPUTS:
        slug: StageSlug = "uncertain"
        summary = f"Too few staging inputs recorded ({inputs} of at least {MIN_INPUTS})."
    elif degenerative_background and flare:
        slug = "reactive_on_degenerative"
        summary = (
            "A degenerative background with a current flare after a load spike suggests a "
            "reactive-on-degenerative tendon: consider managing it like a reactive tendon."
        )
    elif reactive_votes - degenerative_votes >= STAGE_MARGIN:
        slug = "reactive"
        summary = "Most inputs suggest a reactive tendon."
    elif degenerative_votes - reactive_votes >= STAGE_MARGIN:
        slug = "degenerative"
        summary = "Most inputs suggest degenerative tendinopathy (late disrepair)."
    elif weeks is not None and REACTIVE_MAX_WEEKS < weeks < CHRONIC_MIN_WEEKS:
        slug = "disrepair"
        summary = "Intermediate history with mixed features suggests tendon disrepair."
    else:
        slug = "uncertain"
        summary = "The inputs are mixed; no stage is suggested."
    return Stage(slug, STAGE_NAMES[slug], tuple(reasons), summary)


_MARKER_WORDS = {
    "night_pain": "night pain",
    "pain_worse_after_activity": "pain worse after activity",
    "sitting_tolerance_min": "very low sitting tolerance",
}


def _irritability(flat: Mapping[str, Any]) -> tuple[list[str], int]:
    """(markers present, how many of the three markers were recorded)."""
    markers = []
    recorded = 0
    for key in ("night_pain", "pain_worse_after_activity"):
        if key in flat:
            recorded += 1
            if flat[key]:
                markers.append(key)
    if "sitting_tolerance_min" in flat:
        recorded += 1
        if flat["sitting_tolerance_min"] <= LOW_SITTING_TOLERANCE_MIN:
            markers.append("sitting_tolerance_min")
    return markers, recorded
