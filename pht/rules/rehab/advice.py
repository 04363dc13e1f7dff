"""Stage-0 load-management advice, the patient's pain-monitoring advice and when to call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pht.rules.rehab.vocabulary import Source

# Marker pain up to this is tolerated: a blog's reading of Goom 2016 (Pogo Physio).
ACCEPTABLE_MARKER_PAIN = 3
ACCEPTABLE_MARKER_PAIN_SOURCE = Source(
    ("S15",), "C2", "0-3/10 on the marker = load tolerated: a blog's reading of Goom 2016."
)


@dataclass(frozen=True)
class LoadAdvice:
    slug: str
    text: str  # plain words for the patient
    stages: tuple[int, ...]  # rehab stages at which the advice applies
    for_runners: bool  # only shown when the goals include running
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "text": self.text,
            "stages": list(self.stages),
            "for_runners": self.for_runners,
            "source": self.source.to_dict(),
        }


_EARLY = (0, 1, 2)
_EVERY_STAGE = (0, 1, 2, 3, 4)
_GOOM_UNCONFIRMED = "That Goom 2016 says this too is not yet confirmed against the paper."

LOAD_ADVICE: tuple[LoadAdvice, ...] = (
    LoadAdvice(
        slug="sitting-cushion",
        text=(
            "Sit on a cushion or a soft seat and avoid long sitting on hard surfaces: "
            "sitting presses the tendon against the sitting bone."
        ),
        stages=_EVERY_STAGE,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", _GOOM_UNCONFIRMED),
    ),
    LoadAdvice(
        slug="sitting-seat-height",
        text="Raise the seat so that your hips sit a little higher than your knees.",
        stages=_EVERY_STAGE,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", _GOOM_UNCONFIRMED),
    ),
    LoadAdvice(
        slug="sitting-breaks",
        text=(
            "Break up sitting: stand up and move before the time at which the pain usually starts."
        ),
        stages=_EVERY_STAGE,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", "No break interval is sourced: none is set."),
    ),
    LoadAdvice(
        slug="stop-hamstring-stretching",
        text=(
            "Stop stretching the back of the thigh for now (including yoga or Pilates "
            "forward bends): stretching adds compression at the tendon."
        ),
        stages=_EVERY_STAGE,
        for_runners=False,
        source=Source(
            ("S-certgait", "S-zion"),
            "C2",
            "That Goom 2016 says this too is not yet confirmed against the paper. Fredericson "
            "et al. 2005 advised frequent stretching; now considered outdated.",
        ),
    ),
    LoadAdvice(
        slug="avoid-deep-hip-flexion-early",
        text=(
            "Avoid deep squats, lunges and heavy deadlifts for now; they come back "
            "gradually later in the programme."
        ),
        stages=_EARLY,
        for_runners=False,
        source=Source(("S-grsm", "S-tylana"), "C2"),
    ),
    LoadAdvice(
        slug="running-flat-and-steady",
        text=(
            "If you keep running, run on the flat at a steady, easy pace and cut back "
            "on speed work, sprints, hills and distance for now."
        ),
        stages=(0, 1, 2, 3),
        for_runners=True,
        source=Source(("S-reeves", "S-tylana"), "C2"),
    ),
    LoadAdvice(
        slug="running-shorter-stride",
        text=(
            "When running, take slightly shorter, quicker steps so that your foot lands "
            "closer under you rather than reaching out in front."
        ),
        stages=_EVERY_STAGE,
        for_runners=True,
        source=Source(("S-sip", "S-healthhp"), "C2", "Low-level evidence."),
    ),
    LoadAdvice(
        slug="daily-marker-test",
        text=(
            "Once a day, at the same time, do your marker test (for example 3 short "
            "single-leg bridges) and rate the pain 0-10. Up to 3/10 that settles by the "
            "next morning means the load is being tolerated."
        ),
        stages=_EVERY_STAGE,
        for_runners=False,
        source=Source(("S15",), "C2", "The blog's reading of Goom 2016; not checked in the paper."),
    ),
)


def load_advice_for(stage: int, *, goals_need_running: bool) -> tuple[LoadAdvice, ...]:
    return tuple(
        advice
        for advice in LOAD_ADVICE
        if stage in advice.stages and (goals_need_running or not advice.for_runners)
    )


# ---------------------------------------------------------------- the patient handout


@dataclass(frozen=True)
class PatientAdvice:
    """A sentence for the patient handout, with its source."""

    slug: str
    text: str
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "text": self.text, "source": self.source.to_dict()}


# How to monitor pain, in plain words. Built on the marker threshold above.
PAIN_MONITORING_ADVICE: tuple[PatientAdvice, ...] = (
    PatientAdvice(
        "marker-test-daily",
        "Each morning, do your marker test (the movement your physiotherapist showed you) "
        "and score the pain from 0 (none) to 10 (worst imaginable).",
        Source(("S15",), "C2", "One repeatable provocation test as a daily marker."),
    ),
    PatientAdvice(
        "acceptable-pain",
        f"Pain up to {ACCEPTABLE_MARKER_PAIN} out of 10 during the exercises or the marker "
        "test is acceptable, as long as it has settled by the next morning.",
        Source(("S15", "S16"), "C2", "0-3/10 tolerated; pain should settle within 24 h."),
    ),
    PatientAdvice(
        "too-much",
        f"If the pain goes above {ACCEPTABLE_MARKER_PAIN} out of 10, or is worse the next "
        "morning, the load was too much: do less (fewer sets, lighter, or a smaller "
        "range) until it settles. Do not stop moving altogether.",
        Source(("S15", "S16"), "C2"),
    ),
    PatientAdvice(
        "not-stretching",
        "Do not stretch the back of the thigh to ease the pain: stretching presses on the tendon.",
        Source(("S-certgait", "S-zion"), "C2"),
    ),
)

# Days the marker may stay above the threshold, despite doing less, before calling.
CALL_AFTER_DAYS_ABOVE_THRESHOLD = 3
CALL_AFTER_DAYS_SOURCE = Source(("DEV",), "Dev", "Project choice.")

WHEN_TO_CALL_ADVICE: tuple[PatientAdvice, ...] = (
    PatientAdvice(
        "call-not-settling",
        f"Call the clinic if your marker pain stays above {ACCEPTABLE_MARKER_PAIN} out of "
        f"10 for {CALL_AFTER_DAYS_ABOVE_THRESHOLD} days in a row even though you have cut "
        "back, or if the pain keeps you awake at night.",
        CALL_AFTER_DAYS_SOURCE,
    ),
    PatientAdvice(
        "call-new-symptoms",
        "Call the clinic if you feel a sudden pop or sharp pain in the buttock, see new "
        "bruising on the back of the thigh, or get pins and needles or numbness down the leg.",
        Source(("S29", "S23"), "C", "Tear or avulsion, and nerve features."),
    ),
    PatientAdvice(
        "urgent-help",
        "Get urgent medical help (emergency department) if you have numbness between the "
        "legs or around the back passage, new problems passing urine or controlling your "
        "bladder or bowels, weakness in both legs, or a fever with the pain.",
        Source(("S27",), "C2", "Cauda equina and systemic red flags."),
    ),
)
