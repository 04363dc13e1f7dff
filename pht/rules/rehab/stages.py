"""The five rehab stages (0-4): aims, entry and exit criteria, load and hip-flexion limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pht.rules.rehab.vocabulary import LOAD_TYPES, Source


@dataclass(frozen=True)
class RehabStage:
    number: int
    name: str
    aim: str
    entry_criteria: str
    exit_criteria: str
    load: str
    max_hip_flexion: str  # deepest band allowed for exercises of this stage
    load_types: tuple[str, ...]  # load types an exercise of this stage may have
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "aim": self.aim,
            "entry_criteria": self.entry_criteria,
            "exit_criteria": self.exit_criteria,
            "load": self.load,
            "max_hip_flexion": self.max_hip_flexion,
            "sources": [s.to_dict() for s in self.sources],
        }


REHAB_STAGES: tuple[RehabStage, ...] = (
    RehabStage(
        number=0,
        name="Load management and education",
        aim=(
            "Calm the tendon by cutting compressive and provocative load (sitting, "
            "stretching, speed and hills), and explain the condition and the plan."
        ),
        entry_criteria="Every patient, from the first visit; continues alongside every later stage.",
        exit_criteria="Irritability controlled enough to start isometric loading.",
        load="No set exercise dose; advice on sitting, stretching and running load.",
        max_hip_flexion="neutral",
        load_types=(),
        sources=(
            Source(
                ("DEV",),
                "Dev",
                "Stage table assembled by the project from the staged programme of Goom et "
                "al. 2016 as summarised in secondary sources.",
            ),
            Source(("S-grsm", "S-reeves", "S-tylana"), "C2", "Load-management advice."),
        ),
    ),
    RehabStage(
        number=1,
        name="Isometric load",
        aim=(
            "Short-term pain relief while keeping the tendon loaded without compression: "
            "hip near neutral, about 20-30 degrees of flexion or less."
        ),
        entry_criteria="High irritability, or a reactive or reactive-on-degenerative tendon.",
        exit_criteria=(
            "Marker pain 3/10 or less that settles within 24 hours; the isometrics give "
            "short-term pain relief."
        ),
        load="5 x 30-45 s holds at about 70 % of maximal effort, 1-3 times a day.",
        max_hip_flexion="low",
        load_types=("isometric",),
        sources=(
            Source(("S16",), "C2", "Exercises and hip angle."),
            Source(
                ("S-grsm", "S-prohealth"),
                "C2",
                "Dosage for PHT; that Goom 2016 itself gives this dose is not yet confirmed "
                "against the paper.",
            ),
            Source(
                ("S37",), "C", "Origin of the 5 x 45 s at 70 % dose: Rio 2015, patellar tendon."
            ),
        ),
    ),
    RehabStage(
        number=2,
        name="Isotonic load, little hip flexion",
        aim=(
            "Build strength with heavy slow resistance (lifting and lowering) while the "
            "hip stays near neutral."
        ),
        entry_criteria=(
            "Stage 1 exit criteria met, or low irritability with a degenerative or "
            "late-disrepair tendon."
        ),
        exit_criteria=(
            "Near-symmetric strength (e.g. single-leg bridge count, 10RM prone curl) "
            "with stable marker pain."
        ),
        load=(
            "About 15RM progressing to about 8RM, slow tempo; 3-4 sets, 3 times a week "
            "(sets and frequency not yet confirmed against the original paper)."
        ),
        max_hip_flexion="low",
        load_types=("isometric", "isotonic"),
        sources=(
            Source(("S13",), "C2", "Heavy slow resistance, 15RM to 8RM, gym-ball Nordic."),
            Source(("GOOM-2016",), "M", "Sets and weekly frequency."),
        ),
    ),
    RehabStage(
        number=3,
        name="Isotonic load, increasing hip flexion",
        aim="Tolerate compression plus load in deeper hip flexion.",
        entry_criteria="Stage 2 exit criteria met.",
        exit_criteria="Pain-free unweighted drop lunge; 24-hour response stable.",
        load="About 8RM; add hip-flexion range only as comfort allows.",
        max_hip_flexion="deep",
        load_types=("isometric", "isotonic"),
        sources=(
            Source(("S13",), "C2", "Principle of progressing hip flexion under load."),
            Source(("GOOM-2016",), "M", "Choice of exercises."),
        ),
    ),
    RehabStage(
        number=4,
        name="Energy storage and return to running",
        aim=(
            "Restore stretch-shortening capacity for running, sprinting and kicking; "
            "mainly for people whose goals need it."
        ),
        entry_criteria="Stage 3 exit criteria met and goals that need running or springy loading.",
        exit_criteria="Full training without a flare over the following 24 hours.",
        load=(
            "Build volume first, then speed, then hills and change of direction (the order "
            "is not yet confirmed against the original paper)."
        ),
        max_hip_flexion="deep",
        load_types=LOAD_TYPES,
        sources=(
            Source(("S13",), "C2", "Principle of an energy-storage stage."),
            Source(("GOOM-2016",), "M", "Exercise specifics and the volume-speed-hills order."),
        ),
    ),
)

STAGES_BY_NUMBER: Mapping[int, RehabStage] = MappingProxyType({s.number: s for s in REHAB_STAGES})


def rehab_stage(number: int) -> RehabStage:
    return STAGES_BY_NUMBER[number]
