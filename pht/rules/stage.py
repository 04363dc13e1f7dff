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


# A vote: how many staging inputs it read (recorded ones only), and the reason it casts.
type _Vote = tuple[int, StageReason | None]


def stage(flat: Mapping[str, Any]) -> Stage:
    """The suggested stage with its reasons: each input votes, then the decision order above."""
    weeks = flat.get("duration_weeks")
    previous = flat.get("previous_episodes")
    load = flat.get("recent_training_load_change")
    compression = flat.get("recent_compressive_load")
    spike = load is True or compression is True
    partial_tear = flat.get("imaging.partial_tear") is True

    votes = (
        _chronicity_vote(flat.get("age"), weeks, previous),
        _load_vote(load, compression),
        _irritability_vote(flat),
        _imaging_vote(flat),
    )
    inputs = sum(read for read, _ in votes)
    reasons = [reason for _, reason in votes if reason is not None]

    chronic = weeks is not None and weeks >= CHRONIC_MIN_WEEKS
    degenerative_background = previous is True or chronic or partial_tear
    slug, summary = _decide(
        inputs, reasons, weeks, degenerative_background=degenerative_background, spike=spike
    )
    if slug == "reactive_on_degenerative":
        reasons.append(
            _reason(
                "degenerative background + recent spike",
                "flare",
                "A flare after a spike of load or compression on a degenerative background "
                "(recurrent, long-standing or partly torn) behaves like a reactive tendon",
                "S11",
            )
        )
    return Stage(slug, STAGE_NAMES[slug], tuple(reasons), summary)


def _chronicity_vote(age: Any, weeks: Any, previous: Any) -> _Vote:
    """Age, duration and previous episodes are correlated: together they cast one vote."""
    toward_r: list[tuple[str, str]] = []  # (finding key, words), pointing to reactive
    toward_d: list[tuple[str, str]] = []  # pointing to degenerative
    if age is not None:
        if age < YOUNG_AGE_MAX:
            toward_r.append(("age", f"age {age}"))
        elif age > OLDER_AGE_MIN:
            toward_d.append(("age", f"age {age} (over {OLDER_AGE_MIN})"))
    if weeks is not None:
        if weeks <= REACTIVE_MAX_WEEKS:
            toward_r.append(("duration_weeks", f"a short history ({_weeks(weeks)})"))
        elif weeks >= CHRONIC_MIN_WEEKS:
            toward_d.append(("duration_weeks", f"a long history ({_weeks(weeks)})"))
    if previous is not None:
        if previous:
            toward_d.append(("previous_episodes", "previous episodes"))
        else:
            toward_r.append(("previous_episodes", "a first episode"))
    read = sum(1 for value in (age, weeks, previous) if value is not None)
    if len(toward_r) > len(toward_d):
        return read, _reason(
            " + ".join(key for key, _ in toward_r),
            "reactive",
            "Younger, recent or first-episode history ("
            + ", ".join(words for _, words in toward_r)
            + ") suggests a reactive tendon (age, duration and episodes vote once)",
        )
    if len(toward_d) > len(toward_r):
        return read, _reason(
            " + ".join(key for key, _ in toward_d),
            "degenerative",
            "Older, long-standing or recurrent history ("
            + ", ".join(words for _, words in toward_d)
            + ") suggests degenerative change (age, duration and episodes vote once)",
            "S9",
            "S33",
        )
    return read, None


def _load_vote(load: Any, compression: Any) -> _Vote:
    """A recent spike of training load or of compression points to a reactive tendon."""
    if load is None and compression is None:
        return 0, None
    if load is True or compression is True:
        what = " and ".join(
            text
            for value, text in (
                (load, "a recent rise in training load"),
                (compression, "recent unusual compression (long flight, drive or sitting)"),
            )
            if value is True
        )
        return 1, _reason(
            "recent_training_load_change" if load else "recent_compressive_load",
            "reactive",
            f"A spike of load before the pain ({what}) suggests a reactive response",
            "S9",
            "S10b",
        )
    if load is False:
        return 1, _reason(
            "recent_training_load_change",
            "degenerative",
            "No recent change in load points away from a purely reactive tendon",
        )
    return 1, None


def _irritability_vote(flat: Mapping[str, Any]) -> _Vote:
    """High irritability points to a reactive tendon, low to a degenerative one."""
    recorded = [key for key in IRRITABILITY_KEYS if key in flat]
    if not recorded:
        return 0, None
    level, _irritability_reasons = irritability_from_findings({key: flat[key] for key in recorded})
    if level == "high":
        return 1, _reason(
            " + ".join(recorded),
            "reactive",
            "High irritability (easily provoked, slow to settle) suggests a reactive tendon",
            "S10",
        )
    if level == "low":
        return 1, _reason(
            " + ".join(recorded),
            "degenerative",
            "Low irritability fits a degenerative tendon",
            "S10",
        )
    return 1, None


def _imaging_vote(flat: Mapping[str, Any]) -> _Vote:
    """A partial tear points to degenerative change; swelling without a tear to reactive."""
    if flat.get("imaging.partial_tear") is True:
        return 1, _reason(
            "imaging.partial_tear",
            "degenerative",
            "Partial tearing on imaging fits degenerative change",
            "S33",
        )
    if flat.get("imaging.tendon_thickening") is True:
        return 1, _reason(
            "imaging.tendon_thickening",
            "reactive",
            "Tendon swelling without a tear on imaging fits a reactive tendon",
        )
    return 0, None


def _decide(
    inputs: int,
    reasons: list[StageReason],
    weeks: Any,
    *,
    degenerative_background: bool,
    spike: bool,
) -> tuple[StageSlug, str]:
    """The stage and its summary, by the decision order of the module docstring."""
    reactive_votes = sum(1 for r in reasons if r.toward == "reactive")
    degenerative_votes = sum(1 for r in reasons if r.toward == "degenerative")
    if inputs < MIN_INPUTS:
        return "uncertain", f"Too few staging inputs recorded ({inputs} of at least {MIN_INPUTS})."
    if degenerative_background and spike:
        return "reactive_on_degenerative", (
            "A degenerative background with a current flare after a load or compression "
            "spike suggests a reactive-on-degenerative tendon: consider managing it like a "
            "reactive tendon."
        )
    if reactive_votes - degenerative_votes >= STAGE_MARGIN:
        return "reactive", "Most inputs suggest a reactive tendon."
    if degenerative_votes - reactive_votes >= STAGE_MARGIN:
        return "degenerative", "Most inputs suggest degenerative tendinopathy (late disrepair)."
    if weeks is not None and REACTIVE_MAX_WEEKS < weeks < CHRONIC_MIN_WEEKS:
        return "disrepair", "Intermediate history with mixed features suggests tendon disrepair."
    return "uncertain", "The inputs are mixed; no stage is suggested."
