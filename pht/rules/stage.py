"""Tendon stage on the Cook & Purdam continuum (Cook & Purdam 2009; Cook et al. 2016).

Stages: ``reactive``, ``disrepair``, ``degenerative``, ``reactive_on_degenerative``, and
``uncertain`` when the findings cannot support a stage. **Suggested only when tendinopathy
leads the differential and no urgent or emergency red flag is open** (``evaluation.py``); a
bone stress injury or a cauda equina picture gets no stage.

**The whole heuristic is a project choice** built from the continuum papers' clinical features
(several of them unconfirmed in the primary papers); every threshold is named below. Each
input casts one vote toward *reactive* (R) or *degenerative* (D), and **correlated inputs vote
once**:

- chronicity (one vote from age, weeks since onset and previous episodes together): each of
  age ``< YOUNG_AGE_MAX``, weeks ``<= REACTIVE_MAX_WEEKS`` and a first episode points R; each
  of age ``> OLDER_AGE_MIN``, weeks ``>= CHRONIC_MIN_WEEKS`` and previous episodes points D;
  the side with more points casts the vote (none on a tie);
- a recent spike of load (training load change, or unusual compression such as a long flight,
  drive or sitting): yes -> R; no training change recorded -> D;
- irritability (``irritability.py``, the same definition the rehab rules use): high -> R;
  low -> D;
- imaging: partial tear -> D; thickening or swelling without a tear -> R.

Decision, in order:

1. fewer than ``MIN_INPUTS`` recorded inputs -> uncertain;
2. a degenerative background (previous episodes, ``CHRONIC_MIN_WEEKS`` or more, or a partial
   tear) with a recent flare after a load or compression spike -> reactive_on_degenerative
   (Cook et al. 2016: it behaves like a reactive tendon);
3. R - D ``>= STAGE_MARGIN`` -> reactive; D - R ``>= STAGE_MARGIN`` -> degenerative;
4. weeks between the two cut-offs -> disrepair;
5. otherwise uncertain.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pht.rules.irritability import IRRITABILITY_KEYS, irritability_from_findings
from pht.rules.sources import cite_with_evidence

type StageSlug = Literal[
    "reactive", "disrepair", "degenerative", "reactive_on_degenerative", "uncertain"
]
type Toward = Literal["reactive", "degenerative", "flare"]

# [Dev] "Short (days to weeks)": six weeks covers a reactive response to a load spike.
REACTIVE_MAX_WEEKS = 6
# [Dev] Cacchio's chronic PHT was >= 6 months of symptoms; 26 weeks.
CHRONIC_MIN_WEEKS = 26
# [Dev] Age cut-offs "< ~35" and "> ~45" (MRI tearing seen over 45: Clin Radiol 2018).
YOUNG_AGE_MAX = 35
OLDER_AGE_MIN = 45
# [Dev] At least two recorded inputs are needed to suggest any stage (with correlated inputs
# voting once, two agreeing independent votes are also what the margin below needs).
MIN_INPUTS = 2
# [Dev] A stage needs a lead of two votes over the other end of the continuum.
STAGE_MARGIN = 2

STAGE_NAMES: dict[str, str] = {
    "reactive": "Reactive tendinopathy",
    "disrepair": "Tendon disrepair",
    "degenerative": "Degenerative tendinopathy",
    "reactive_on_degenerative": "Reactive-on-degenerative tendinopathy",
    "uncertain": "Stage uncertain",
}


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


def _reason(finding: str, toward: Toward, text: str, *sources: str) -> StageReason:
    keys = sources or ("S9",)
    return StageReason(finding, toward, text, keys[0], cite_with_evidence((*keys, "DEV"), "Dev"))


def _weeks(weeks: float) -> str:
    return f"{weeks:g} week" + ("" if weeks == 1 else "s")


def stage(flat: Mapping[str, Any]) -> Stage:
    reasons: list[StageReason] = []
    inputs = 0

    # Chronicity: age, duration and previous episodes are correlated and vote once.
    age = flat.get("age")
    weeks = flat.get("duration_weeks")
    previous = flat.get("previous_episodes")
    toward_r: list[str] = []
    toward_d: list[str] = []
    keys_r: list[str] = []
    keys_d: list[str] = []
    if age is not None:
        inputs += 1
        if age < YOUNG_AGE_MAX:
            toward_r.append(f"age {age}")
            keys_r.append("age")
        elif age > OLDER_AGE_MIN:
            toward_d.append(f"age {age} (over {OLDER_AGE_MIN})")
            keys_d.append("age")
    if weeks is not None:
        inputs += 1
        if weeks <= REACTIVE_MAX_WEEKS:
            toward_r.append(f"a short history ({_weeks(weeks)})")
            keys_r.append("duration_weeks")
        elif weeks >= CHRONIC_MIN_WEEKS:
            toward_d.append(f"a long history ({_weeks(weeks)})")
            keys_d.append("duration_weeks")
    if previous is not None:
        inputs += 1
        if previous:
            toward_d.append("previous episodes")
            keys_d.append("previous_episodes")
        else:
            toward_r.append("a first episode")
            keys_r.append("previous_episodes")
    if len(toward_r) > len(toward_d):
        reasons.append(
            _reason(
                " + ".join(keys_r),
                "reactive",
                "Younger, recent or first-episode history ("
                + ", ".join(toward_r)
                + ") suggests a reactive tendon (age, duration and episodes vote once)",
            )
        )
    elif len(toward_d) > len(toward_r):
        reasons.append(
            _reason(
                " + ".join(keys_d),
                "degenerative",
                "Older, long-standing or recurrent history ("
                + ", ".join(toward_d)
                + ") suggests degenerative change (age, duration and episodes vote once)",
                "S9",
                "S33",
            )
        )

    load = flat.get("recent_training_load_change")
    compression = flat.get("recent_compressive_load")
    spike = load is True or compression is True
    if load is not None or compression is not None:
        inputs += 1
        if spike:
            what = " and ".join(
                text
                for value, text in (
                    (load, "a recent rise in training load"),
                    (compression, "recent unusual compression (long flight, drive or sitting)"),
                )
                if value is True
            )
            reasons.append(
                _reason(
                    "recent_training_load_change" if load else "recent_compressive_load",
                    "reactive",
                    f"A spike of load before the pain ({what}) suggests a reactive response",
                    "S9",
                    "S10b",
                )
            )
        elif load is False:
            reasons.append(
                _reason(
                    "recent_training_load_change",
                    "degenerative",
                    "No recent change in load points away from a purely reactive tendon",
                )
            )

    level, _irritability_reasons = irritability_from_findings(
        {key: flat[key] for key in IRRITABILITY_KEYS if key in flat}
    )
    recorded = [key for key in IRRITABILITY_KEYS if key in flat]
    if recorded:
        inputs += 1
        if level == "high":
            reasons.append(
                _reason(
                    " + ".join(recorded),
                    "reactive",
                    "High irritability (easily provoked, slow to settle) suggests a reactive "
                    "tendon",
                    "S10",
                )
            )
        elif level == "low":
            reasons.append(
                _reason(
                    " + ".join(recorded),
                    "degenerative",
                    "Low irritability fits a degenerative tendon",
                    "S10",
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

    if inputs < MIN_INPUTS:
        slug: StageSlug = "uncertain"
        summary = f"Too few staging inputs recorded ({inputs} of at least {MIN_INPUTS})."
    elif degenerative_background and spike:
        slug = "reactive_on_degenerative"
        reasons.append(
            _reason(
                "degenerative background + recent spike",
                "flare",
                "A flare after a spike of load or compression on a degenerative background "
                "(recurrent, long-standing or partly torn) behaves like a reactive tendon",
                "S11",
            )
        )
        summary = (
            "A degenerative background with a current flare after a load or compression "
            "spike suggests a reactive-on-degenerative tendon: consider managing it like a "
            "reactive tendon."
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
