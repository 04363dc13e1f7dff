"""Rehabilitation rules for proximal hamstring tendinopathy (PHT), as pure functions.

Everything here is a suggestion for the treating clinician, never an order. Each rule
names its threshold as a constant and says where the threshold comes from, using the
status tags of ``shared/clinical/KNOWLEDGE.md``:

* ``C``   confirmed in the source consulted,
* ``C2``  confirmed only in a secondary source (blog or summary): trust it less,
* ``M``   unverified; shown as such, never as fact,
* ``Dev`` a choice made for this project, not a literature finding.

Vocabulary
----------
rehab stage
    0-4, after Goom et al. 2016 as summarised in KNOWLEDGE.md 4.3-4.5:
    0 load management and education (runs alongside every other stage),
    1 isometric load, 2 isotonic load with little hip flexion, 3 isotonic load with
    increasing hip flexion, 4 energy storage and return to running.
tendon stage
    The assessment's continuum stage (FINDINGS.md): ``reactive``, ``disrepair``,
    ``degenerative``, ``reactive_on_degenerative``, ``uncertain``, or ``None`` when no
    stage was given.
irritability
    ``high`` / ``moderate`` / ``low``: how easily the pain is provoked and how slowly it
    settles. :func:`irritability_from_findings` derives it from findings.
hip flexion
    The deepest hip angle an exercise reaches, in four bands (band edges are [Dev]):
    ``neutral`` about 0-15 deg, ``low`` about 15-30 deg, ``moderate`` about 30-70 deg,
    ``deep`` beyond about 70 deg. Hip flexion compresses the tendon against the ischial
    tuberosity, so it is progressed like load [C2: S15]. Stage 1 keeps the hip at about
    20-30 deg or less [C2: S16], hence neutral or low only; stage 2 likewise.
load type
    ``isometric``, ``isotonic``, ``energy_storage`` (plyometric, stretch-shortening),
    ``running`` (walking and running load: walk-run, strides, hills).
marker test, marker pain
    One repeatable provocation test done at the same time each day, e.g. 3 reps of a
    short-lever single-leg bridge, rated 0-10 [C2: S15]. ``marker_pain`` is today's
    rating.
24-h response
    ``better`` / ``same`` / ``worse``: the marker pain the morning after a session
    compared with before it. ``better`` and ``same`` count as *settled* (the pain
    settled within 24 h, [C2: S16]); ``worse`` means it did not.
adherence
    ``full`` / ``partial`` / ``poor``: how much of the prescribed programme was done.

Inputs are validated; every problem is raised together as :class:`RehabInputError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeGuard

# --------------------------------------------------------------------------- vocabulary

STATUSES: tuple[str, ...] = ("C", "C2", "M", "Dev")

TENDON_STAGES: tuple[str, ...] = (
    # Mirrors the stage slugs of shared/design/FINDINGS.md.
    "reactive",
    "disrepair",
    "degenerative",
    "reactive_on_degenerative",
    "uncertain",
)
IRRITABILITY_LEVELS: tuple[str, ...] = ("high", "moderate", "low")
HIP_FLEXION_LEVELS: tuple[str, ...] = ("neutral", "low", "moderate", "deep")  # shallow -> deep
LOAD_TYPES: tuple[str, ...] = ("isometric", "isotonic", "energy_storage", "running")
RESPONSES_24H: tuple[str, ...] = ("better", "same", "worse")
SETTLED_RESPONSES: frozenset[str] = frozenset({"better", "same"})
_RESPONSE_WORDS: Mapping[str, str] = MappingProxyType(
    {"better": "better than before the session", "same": "no worse than before the session"}
)
ADHERENCE_LEVELS: tuple[str, ...] = ("full", "partial", "poor")
DECISIONS: tuple[str, ...] = ("progress", "hold", "regress")
RUN_DECISIONS: tuple[str, ...] = ("advance", "repeat", "step_back")

FIRST_STAGE = 0
LAST_STAGE = 4


class RehabInputError(ValueError):
    """Input the rules cannot use. ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Source:
    """Where a rule, threshold or piece of advice comes from (KNOWLEDGE.md section 10)."""

    keys: tuple[str, ...]
    status: str  # one of STATUSES
    note: str = ""

    @property
    def label(self) -> str:
        return f"[{self.status}: {', '.join(self.keys)}]" if self.keys else f"[{self.status}]"

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "status": self.status, "note": self.note}


# ------------------------------------------------------------------------- rehab stages


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
            Source(("KNOWLEDGE 4.5",), "Dev", "Stage table assembled from KNOWLEDGE 4.3-4.4."),
            Source(("S-grsm", "S-reeves", "S-tylana"), "C2", "Load-management advice, 4.6."),
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
            Source(("S-grsm", "S-prohealth"), "C2", "Dosage for PHT; [M] for Goom 2016 itself."),
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
        load="About 15RM progressing to about 8RM, slow tempo; 3-4 sets, 3 times a week [M].",
        max_hip_flexion="low",
        load_types=("isometric", "isotonic"),
        sources=(
            Source(("S13",), "C2", "Heavy slow resistance, 15RM to 8RM, gym-ball Nordic."),
            Source((), "M", "Sets and weekly frequency."),
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
            Source((), "M", "Choice of exercises."),
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
        load="Build volume first, then speed, then hills and change of direction [M].",
        max_hip_flexion="deep",
        load_types=LOAD_TYPES,
        sources=(
            Source(("S13",), "C2", "Principle of an energy-storage stage."),
            Source((), "M", "Exercise specifics and the volume-speed-hills order."),
        ),
    ),
)

_STAGES_BY_NUMBER: Mapping[int, RehabStage] = MappingProxyType({s.number: s for s in REHAB_STAGES})


def rehab_stage(number: int) -> RehabStage:
    return _STAGES_BY_NUMBER[number]


def _hip_rank(level: str) -> int:
    return HIP_FLEXION_LEVELS.index(level)


# ---------------------------------------------------------------------- exercise specs


@dataclass(frozen=True)
class ExerciseSpec:
    """What the rules need to know about one library exercise."""

    slug: str
    name: str
    stages: tuple[int, ...]
    load_type: str
    hip_flexion: str
    dosage: Mapping[str, int | str] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "stages": list(self.stages),
            "load_type": self.load_type,
            "hip_flexion": self.hip_flexion,
            "dosage": dict(self.dosage),
        }


EXERCISE_KEYS: frozenset[str] = frozenset(
    {"slug", "name", "stages", "load_type", "hip_flexion", "dosage"}
    | {"instructions", "cues", "avoid", "source"}
)
DOSAGE_REQUIRED: tuple[str, ...] = ("sets", "rest_seconds", "intensity", "tempo", "frequency")
DOSAGE_KEYS: frozenset[str] = frozenset(DOSAGE_REQUIRED) | {"reps", "hold_seconds"}
# Whole-number dosage fields; text is allowed where a number would mislead ("6-8", "to fatigue").
DOSAGE_NUMBER_OR_TEXT: tuple[str, ...] = ("sets", "reps", "hold_seconds", "rest_seconds")
SOURCE_KEYS: frozenset[str] = frozenset({"key", "citation", "status", "note"})
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _is_int(value: object) -> TypeGuard[int]:
    # bool is a subclass of int; True must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _text_list_problems(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        return [f"{name}: must be a non-empty list of text"]
    if not all(_is_text(item) for item in value):
        return [f"{name}: every entry must be non-empty text"]
    return []


def exercise_spec_from_dict(d: Mapping[str, object]) -> ExerciseSpec:
    """Validate one exercise of ``rehab/data/exercises.json`` and return its spec.

    The whole entry is checked (also instructions, cues, avoid and source, which the
    rules do not use) so that the data migration can rely on it. Raises
    :class:`RehabInputError` listing every problem.
    """
    problems: list[str] = []
    for key in sorted(set(d) - EXERCISE_KEYS):
        problems.append(f"{key}: unknown key")
    for key in sorted(EXERCISE_KEYS - set(d)):
        problems.append(f"{key}: missing")

    slug = d.get("slug")
    if "slug" in d and not (isinstance(slug, str) and SLUG_PATTERN.match(slug)):
        problems.append(f"slug: {slug!r} is not lower-case words joined by hyphens")
    name = d.get("name")
    if "name" in d and not _is_text(name):
        problems.append("name: must be non-empty text")

    stages: list[int] = []
    raw_stages = d.get("stages")
    if "stages" in d:
        if not isinstance(raw_stages, list) or not raw_stages:
            problems.append("stages: must be a non-empty list of stage numbers 1-4")
        else:
            for stage in raw_stages:
                if not _is_int(stage) or not 1 <= stage <= LAST_STAGE:
                    # Stage 0 is advice (LOAD_ADVICE), not exercises.
                    problems.append(f"stages: {stage!r} is not a stage number 1-4")
                else:
                    stages.append(stage)
            if len(set(stages)) != len(stages):
                problems.append("stages: a stage is listed twice")

    load_type = d.get("load_type")
    if "load_type" in d and load_type not in LOAD_TYPES:
        problems.append(f"load_type: {load_type!r} is not one of {', '.join(LOAD_TYPES)}")
    hip_flexion = d.get("hip_flexion")
    if "hip_flexion" in d and hip_flexion not in HIP_FLEXION_LEVELS:
        problems.append(
            f"hip_flexion: {hip_flexion!r} is not one of {', '.join(HIP_FLEXION_LEVELS)}"
        )

    # The stage limits are the point of the staged programme: stage 1 and 2 must never
    # carry compressive (moderate or deep) hip flexion, and springy or running load
    # belongs to stage 4 only.
    for stage in stages:
        limits = rehab_stage(stage)
        if hip_flexion in HIP_FLEXION_LEVELS and _hip_rank(str(hip_flexion)) > _hip_rank(
            limits.max_hip_flexion
        ):
            problems.append(
                f"hip_flexion: {hip_flexion} is deeper than stage {stage} allows "
                f"({limits.max_hip_flexion} at most)"
            )
        if load_type in LOAD_TYPES and load_type not in limits.load_types:
            problems.append(f"load_type: {load_type} does not belong in stage {stage}")

    dosage = d.get("dosage")
    if "dosage" in d:
        problems.extend(_dosage_problems(dosage, load_type))

    instructions = d.get("instructions")
    if "instructions" in d and not _is_text(instructions):
        problems.append("instructions: must be non-empty text")
    for key in ("cues", "avoid"):
        if key in d:
            problems.extend(_text_list_problems(key, d[key]))
    if "source" in d:
        problems.extend(_source_problems(d["source"]))

    if problems:
        label = slug if isinstance(slug, str) else "exercise"
        raise RehabInputError([f"{label}: {problem}" for problem in problems])

    assert isinstance(slug, str) and isinstance(name, str) and isinstance(dosage, Mapping)
    return ExerciseSpec(
        slug=slug,
        name=name,
        stages=tuple(stages),
        load_type=str(load_type),
        hip_flexion=str(hip_flexion),
        dosage=MappingProxyType(dict(dosage)),
    )


def _dosage_problems(dosage: object, load_type: object) -> list[str]:
    if not isinstance(dosage, Mapping):
        return ["dosage: must be an object"]
    problems = [f"dosage.{key}: unknown key" for key in sorted(set(dosage) - DOSAGE_KEYS)]
    problems += [f"dosage.{key}: missing" for key in DOSAGE_REQUIRED if key not in dosage]
    # Holds are timed, everything else is counted.
    needed = "hold_seconds" if load_type == "isometric" else "reps"
    if needed not in dosage:
        problems.append(f"dosage.{needed}: missing (needed for {load_type} load)")
    for key in DOSAGE_NUMBER_OR_TEXT:
        if key in dosage:
            value = dosage[key]
            smallest = 0 if key == "rest_seconds" else 1
            if not (_is_text(value) or (_is_int(value) and value >= smallest)):
                problems.append(
                    f"dosage.{key}: must be a whole number >= {smallest} or text, got {value!r}"
                )
    for key in ("intensity", "tempo", "frequency"):
        if key in dosage and not _is_text(dosage[key]):
            problems.append(f"dosage.{key}: must be non-empty text")
    return problems


def _source_problems(source: object) -> list[str]:
    if not isinstance(source, Mapping):
        return ["source: must be an object with key, citation and status"]
    problems = [f"source.{key}: unknown key" for key in sorted(set(source) - SOURCE_KEYS)]
    for key in ("key", "citation"):
        if not _is_text(source.get(key)):
            problems.append(f"source.{key}: must be non-empty text")
    if source.get("status") not in STATUSES:
        problems.append(f"source.status: {source.get('status')!r} is not one of {STATUSES}")
    if "note" in source and not isinstance(source["note"], str):
        problems.append("source.note: must be text")
    return problems


def exercise_specs_from_list(items: Sequence[object]) -> tuple[ExerciseSpec, ...]:
    """Validate a whole library: every entry, plus unique slugs. Lists every problem."""
    problems: list[str] = []
    specs: list[ExerciseSpec] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(f"entry {index}: must be an object")
            continue
        try:
            specs.append(exercise_spec_from_dict(item))
        except RehabInputError as error:
            problems.extend(f"entry {index}: {p}" for p in error.problems)
    seen: set[str] = set()
    for spec in specs:
        if spec.slug in seen:
            problems.append(f"{spec.slug}: slug used more than once")
        seen.add(spec.slug)
    if problems:
        raise RehabInputError(problems)
    return tuple(specs)


def exercises_for_stage(stage: int, catalogue: Sequence[ExerciseSpec]) -> tuple[ExerciseSpec, ...]:
    """Catalogue exercises listed for ``stage`` and within its hip-flexion limit.

    The hip-flexion check repeats the library validation on purpose: a catalogue built
    by hand (or edited in the admin) must still never put deep hip flexion in stage 1.
    """
    limit = _hip_rank(rehab_stage(stage).max_hip_flexion)
    return tuple(
        spec
        for spec in catalogue
        if stage in spec.stages
        and spec.hip_flexion in HIP_FLEXION_LEVELS
        and _hip_rank(spec.hip_flexion) <= limit
    )


# ---------------------------------------------------------------- load-management advice


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
_ALL = (0, 1, 2, 3, 4)

LOAD_ADVICE: tuple[LoadAdvice, ...] = (
    LoadAdvice(
        slug="sitting-cushion",
        text=(
            "Sit on a cushion or a soft seat and avoid long sitting on hard surfaces: "
            "sitting presses the tendon against the sitting bone."
        ),
        stages=_ALL,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", "That Goom 2016 says this is [M]."),
    ),
    LoadAdvice(
        slug="sitting-seat-height",
        text="Raise the seat so that your hips sit a little higher than your knees.",
        stages=_ALL,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", "That Goom 2016 says this is [M]."),
    ),
    LoadAdvice(
        slug="sitting-breaks",
        text=(
            "Break up sitting: stand up and move before the time at which the pain usually starts."
        ),
        stages=_ALL,
        for_runners=False,
        source=Source(("S-grsm", "S-reeves"), "C2", "No break interval is sourced: none is set."),
    ),
    LoadAdvice(
        slug="stop-hamstring-stretching",
        text=(
            "Stop stretching the back of the thigh for now (including yoga or Pilates "
            "forward bends): stretching adds compression at the tendon."
        ),
        stages=_ALL,
        for_runners=False,
        source=Source(
            ("S-certgait", "S-zion"),
            "C2",
            "Goom 2016 [M]. Fredericson 2005 advised frequent stretching [C: S20]; "
            "now considered outdated.",
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
        stages=_ALL,
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
        stages=_ALL,
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


# ------------------------------------------------------------------------ irritability

# All thresholds below are project choices [Dev]. They turn the clinical idea of
# irritability (severe, easily provoked, slow to settle) into explicit rules.
HIGH_IRRITABILITY_SITTING_MIN = 10  # sitting tolerance under 10 min: easily provoked
MODERATE_IRRITABILITY_SITTING_MIN = 30  # under 30 min: the PHT trial's inclusion cut-off [C: S30]
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


def _irritability_input_problems(findings: Mapping[str, object]) -> list[str]:
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

    Reads only the FINDINGS.md keys in ``IRRITABILITY_KEYS`` (other keys are ignored;
    the core rules module validates the full findings). An absent key means "not
    asked", never "no": with none of the keys recorded the answer is ``moderate``, a
    cautious default, and the reason says so. Thresholds are [Dev].
    """
    problems = _irritability_input_problems(findings)
    if problems:
        raise RehabInputError(problems)

    high: list[str] = []
    moderate: list[str] = []
    reassuring: list[str] = []

    night_pain = findings.get("night_pain")
    worse_after = findings.get("pain_worse_after_activity")
    sitting = findings.get("sitting_tolerance_min")
    worst = findings.get("pain_nprs_worst")
    now = findings.get("pain_nprs_now")

    if night_pain is True:
        high.append(
            "Night pain: the tendon is irritable at rest. Also check the red-flag screen "
            "(unremitting night pain)."
        )
    elif night_pain is False:
        reassuring.append("No night pain.")

    if isinstance(sitting, int):
        if sitting < HIGH_IRRITABILITY_SITTING_MIN:
            high.append(
                f"Sitting tolerance {sitting} min (under {HIGH_IRRITABILITY_SITTING_MIN} min): "
                "easily provoked by compression."
            )
        elif sitting < MODERATE_IRRITABILITY_SITTING_MIN:
            moderate.append(
                f"Sitting tolerance {sitting} min (under {MODERATE_IRRITABILITY_SITTING_MIN} min)."
            )
        else:
            reassuring.append(f"Sitting tolerance {sitting} min.")

    if isinstance(now, int):
        if now >= HIGH_IRRITABILITY_PAIN_NOW:
            high.append(f"Pain now {now}/10 (at least {HIGH_IRRITABILITY_PAIN_NOW}/10) at rest.")
        elif now >= MODERATE_IRRITABILITY_PAIN_NOW:
            moderate.append(f"Pain now {now}/10.")
        else:
            reassuring.append(f"Pain now {now}/10.")

    severe = isinstance(worst, int) and worst >= HIGH_IRRITABILITY_PAIN_WORST
    if worse_after is True and severe:
        high.append(
            f"Worst pain {worst}/10 and worse later in the day or next morning after "
            "activity: severe and slow to settle."
        )
    else:
        if worse_after is True:
            moderate.append("Pain is worse later in the day or next morning after activity.")
        elif worse_after is False:
            reassuring.append("Pain does not flare after activity.")
        if isinstance(worst, int):
            if worst >= MODERATE_IRRITABILITY_PAIN_WORST:
                moderate.append(f"Worst pain {worst}/10.")
            else:
                reassuring.append(f"Worst pain {worst}/10.")

    suffix = " Thresholds are project choices [Dev]."
    if high:
        return "high", [*high, *moderate, "High irritability." + suffix]
    if moderate:
        return "moderate", [*moderate, "Moderate irritability." + suffix]
    if reassuring:
        return "low", [*reassuring, "Low irritability." + suffix]
    return "moderate", [
        "No irritability findings recorded (night pain, pain after activity, sitting "
        "tolerance, pain ratings): moderate assumed as a cautious default [Dev]."
    ]


# ----------------------------------------------------------------------- plan proposal


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


def starting_stage(tendon_stage: str | None, irritability: str) -> tuple[int, str]:
    """The rehab stage to start at, and the named rule that chose it. All rules [Dev].

    ============================== ==== ======== ===
    tendon stage \\ irritability    high moderate low
    ============================== ==== ======== ===
    reactive, reactive_on_degen.   1    1        1
    disrepair, uncertain, None     1    1        2
    degenerative                   1    2        2
    ============================== ==== ======== ===

    Stages 3 and 4 are never a starting point: they are reached by
    :func:`suggest_progression` once the earlier stage's exit criteria are met.
    """
    stage_label = tendon_stage or "unstaged"
    if irritability == "high":
        return 1, (
            "High irritability: start with isometrics for pain relief, hip near neutral "
            "(stage 1 entry criterion, KNOWLEDGE 4.5) [Dev on C2: S16]."
        )
    if tendon_stage in REACTIVE_GROUP:
        return 1, (
            f"A {stage_label.replace('_', '-')} tendon is calmed with less load and "
            "isometrics, not heavy or compressive load (KNOWLEDGE 3.1-3.2) "
            "[C2: S9; isometrics M]."
        )
    if irritability == "low":
        return 2, (
            f"Low irritability with a {stage_label.replace('_', ' ')} tendon: start building "
            "strength with heavy slow resistance and little hip flexion (KNOWLEDGE 4.5) [Dev]."
        )
    if tendon_stage == "degenerative":
        return 2, (
            "A degenerative tendon needs progressive load to build capacity [C2: S9]; "
            "moderate irritability allows isotonic work with little hip flexion as long "
            "as marker pain stays at 3/10 or less [Dev]."
        )
    return 1, (
        f"Moderate irritability with a {stage_label.replace('_', ' ')} tendon: start with "
        "isometrics and move to stage 2 once the marker settles, usually within 1-2 weeks "
        "[Dev]."
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


# -------------------------------------------------------------------------- progression

ACCEPTABLE_MARKER_PAIN = 3
ACCEPTABLE_MARKER_PAIN_SOURCE = Source(
    ("S15",), "C2", "0-3/10 on the marker = load tolerated: a blog's reading of Goom 2016."
)
REGRESS_PAIN_RISE = 2  # regress when the marker rises by MORE than this (> 2 points)
REGRESS_PAIN_RISE_SOURCE = Source(("KNOWLEDGE 4.4",), "Dev", "Project choice.")
MIN_WEEKS_AT_STAGE = 1.0
MIN_WEEKS_AT_STAGE_SOURCE = Source(
    ("KNOWLEDGE 4.4",), "Dev", "Project choice from 'about 1-2 weeks' at a stage."
)
# Stage 3 adds hip flexion, i.e. compression. Sitting is the everyday compression
# test, so a short sitting tolerance holds the step from 2 to 3.
MIN_SITTING_FOR_STAGE_3_MIN = 30
MIN_SITTING_FOR_STAGE_3_SOURCE = Source(
    ("S30",), "Dev", "The PHT trial counted sitting < 30 min as symptomatic; its use here is [Dev]."
)


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


def _progression_input_problems(
    current_stage: object,
    marker_pain: object,
    response_24h: object,
    previous_marker_pain: object,
    sitting_tolerance_min: object,
    adherence: object,
    weeks_at_stage: object,
) -> list[str]:
    problems: list[str] = []
    if not (_is_int(current_stage) and FIRST_STAGE <= current_stage <= LAST_STAGE):
        problems.append(f"current_stage: must be a stage number 0-4, got {current_stage!r}")
    if not (_is_int(marker_pain) and 0 <= marker_pain <= 10):
        problems.append(f"marker_pain: must be a whole number 0-10, got {marker_pain!r}")
    if previous_marker_pain is not None and not (
        _is_int(previous_marker_pain) and 0 <= previous_marker_pain <= 10
    ):
        problems.append(
            f"previous_marker_pain: must be a whole number 0-10 or None, got {previous_marker_pain!r}"
        )
    if response_24h not in RESPONSES_24H:
        problems.append(f"response_24h: {response_24h!r} is not one of {', '.join(RESPONSES_24H)}")
    if sitting_tolerance_min is not None and not (
        _is_int(sitting_tolerance_min) and sitting_tolerance_min >= 0
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
    """Suggest progress / hold / regress from the pain-monitoring model (KNOWLEDGE 4.4).

    With ``goals_need_running`` false, stage 3 is the last stage (as in
    :func:`propose_plan`): a progress there stays at 3.

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
    problems = _progression_input_problems(
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

    acceptable = ACCEPTABLE_MARKER_PAIN
    threshold_label = f"{acceptable}/10 {ACCEPTABLE_MARKER_PAIN_SOURCE.label}"
    rise = None if previous_marker_pain is None else marker_pain - previous_marker_pain
    notes: list[str] = []

    regress: list[str] = []
    if rise is not None and rise > REGRESS_PAIN_RISE:
        regress.append(
            f"Marker pain rose from {previous_marker_pain}/10 to {marker_pain}/10, more than "
            f"{REGRESS_PAIN_RISE} points {REGRESS_PAIN_RISE_SOURCE.label}."
        )
    if marker_pain > acceptable and response_24h == "worse":
        regress.append(
            f"Marker pain {marker_pain}/10 is above {threshold_label} and was worse the "
            "next day: the load is not being tolerated."
        )
    if regress:
        target = max(current_stage - 1, FIRST_STAGE)
        if current_stage == FIRST_STAGE:
            regress.append(
                "Already at stage 0: reduce provocative activity further and keep the "
                "load-management advice. If it does not settle, review the diagnosis and "
                "consider medical review or adjuncts (KNOWLEDGE 4.6)."
            )
        else:
            regress.append(
                f"Drop back to stage {target}, or first reduce the load or hip-flexion "
                "angle within the stage (KNOWLEDGE 4.4) [Dev]."
            )
        return ProgressionSuggestion("regress", current_stage, target, tuple(regress), ())

    hold: list[str] = []
    if marker_pain > acceptable:
        hold.append(
            f"Marker pain {marker_pain}/10 is above {threshold_label}: reduce the load "
            "within the stage and review."
        )
    if response_24h == "worse":
        hold.append(
            "Pain was worse the next day: the session was too much; repeat it with less "
            "volume or load until it settles within 24 hours [C2: S16]."
        )
    if rise is not None and 0 < rise <= REGRESS_PAIN_RISE:
        hold.append(
            f"Marker pain rose by {rise} point{'s' if rise > 1 else ''} since the last "
            "review; stay until it is stable."
        )
    if adherence == "poor":
        hold.append(
            "Adherence was poor: the stage's load has not been done often enough to judge "
            "tolerance. Talk through the barriers before progressing."
        )
    if weeks_at_stage < MIN_WEEKS_AT_STAGE:
        hold.append(
            f"Only {weeks_at_stage:g} week(s) at this stage; allow at least "
            f"{MIN_WEEKS_AT_STAGE:g} week (about 1-2 weeks) {MIN_WEEKS_AT_STAGE_SOURCE.label}."
        )
    if (
        current_stage == 2
        and sitting_tolerance_min is not None
        and sitting_tolerance_min < MIN_SITTING_FOR_STAGE_3_MIN
    ):
        hold.append(
            f"Sitting tolerance {sitting_tolerance_min} min (under "
            f"{MIN_SITTING_FOR_STAGE_3_MIN} min): compression tolerance is still low for "
            f"the deeper hip flexion of stage 3 {MIN_SITTING_FOR_STAGE_3_SOURCE.label}."
        )
    if hold:
        return ProgressionSuggestion("hold", current_stage, current_stage, tuple(hold), ())

    reasons = [
        f"Marker pain {marker_pain}/10 is within 0-{threshold_label}.",
        f"The next morning the pain was {_RESPONSE_WORDS[response_24h]}: it settled within 24 hours.",
        f"{weeks_at_stage:g} week(s) at this stage.",
    ]
    if rise is None:
        notes.append("No previous marker rating to compare: stability judged on this review.")
    else:
        reasons.append(f"Marker pain did not rise (previous {previous_marker_pain}/10).")
    if adherence == "partial":
        notes.append("Adherence was partial: check the target load was actually reached.")
    if current_stage == 2 and sitting_tolerance_min is None:
        notes.append("Sitting tolerance not recorded: check compression tolerance before stage 3.")

    if current_stage == LAST_STAGE - 1 and not goals_need_running:
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


# -------------------------------------------------------------------- return to running


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
            # KNOWLEDGE 7 records jog time rising every two stages; what else differs
            # between the two stages of a pair was not captured, so the pair repeats.
            note += " Same ratio as the step before: repeat it once more."
        steps.append(WalkRunStep(number, WALK_RUN_BLOCK_MIN - jog, jog, WALK_RUN_BLOCKS, note))
    return tuple(steps)


WALK_RUN_PROGRESSION: tuple[WalkRunStep, ...] = _walk_run_steps()
FIRST_RUN_STEP = WALK_RUN_PROGRESSION[0].step
LAST_RUN_STEP = WALK_RUN_PROGRESSION[-1].step

RUN_PROGRESSION_ORDER: tuple[str, ...] = ("volume", "speed", "hills")
RUN_PROGRESSION_ORDER_SOURCE = Source(
    (),
    "M",
    "Unconfirmed: build volume on flat ground first, then speed, then hills, sprint "
    "strides and change of direction; run on alternate days at first. Consistent with "
    "S-reeves, S-tylana and S14 but not confirmed in a primary source.",
)
# The generic template (S36) advances only when symptom-free. The project allows up to
# the marker threshold, in line with the tendon pain-monitoring model [Dev on C2: S15].
ACCEPTABLE_RUN_PAIN = ACCEPTABLE_MARKER_PAIN


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
    if not (_is_int(current_step) and FIRST_RUN_STEP <= current_step <= LAST_RUN_STEP):
        problems.append(
            f"current_step: must be a step number {FIRST_RUN_STEP}-{LAST_RUN_STEP}, "
            f"got {current_step!r}"
        )
    if response_24h not in RESPONSES_24H:
        problems.append(f"response_24h: {response_24h!r} is not one of {', '.join(RESPONSES_24H)}")
    if not (_is_int(pain_during_run) and 0 <= pain_during_run <= 10):
        problems.append(f"pain_during_run: must be a whole number 0-10, got {pain_during_run!r}")
    if problems:
        raise RehabInputError(problems)

    limit = f"{ACCEPTABLE_RUN_PAIN}/10 {ACCEPTABLE_MARKER_PAIN_SOURCE.label}"
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
        f"The next morning the pain was {_RESPONSE_WORDS[response_24h]} and pain during the run was "
        f"{pain_during_run}/10, within {limit}."
    ]
    if pain_during_run > 0:
        reasons.append(
            "The generic template advances only when symptom-free [C: S36]; this project "
            "allows up to the marker threshold [Dev]. Decide with the patient."
        )
    if current_step == LAST_RUN_STEP:
        reasons.append(
            "20 minutes of continuous jogging reached: now build volume, then speed, then "
            f"hills {RUN_PROGRESSION_ORDER_SOURCE.label}, on alternate days at first."
        )
        return RunSuggestion(
            "advance", current_step, LAST_RUN_STEP, _run_step(LAST_RUN_STEP), tuple(reasons)
        )
    target = current_step + 1
    reasons.append(f"Move on to step {target}; run on alternate days at first [M].")
    return RunSuggestion("advance", current_step, target, _run_step(target), tuple(reasons))


# ------------------------------------------------------------ plan editing and handouts


def hip_flexion_allowed(stage: int, hip_flexion: str) -> bool:
    """Whether an exercise with this hip-flexion band may be used at ``stage``.

    The same limit as :func:`exercises_for_stage`, for one exercise: used when a
    clinician adds an exercise by hand, so stage 1 and 2 never get moderate or deep
    hip flexion [C2: S16].
    """
    if stage not in _STAGES_BY_NUMBER or hip_flexion not in HIP_FLEXION_LEVELS:
        return False
    return _hip_rank(hip_flexion) <= _hip_rank(rehab_stage(stage).max_hip_flexion)


def weeks_between(start_ordinal: int, end_ordinal: int) -> float:
    """Whole weeks (one decimal) between two dates given as ``date.toordinal()``; never < 0."""
    return max(round((end_ordinal - start_ordinal) / 7, 1), 0.0)


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
CALL_AFTER_DAYS_SOURCE = Source(("KNOWLEDGE 4.4",), "Dev", "Project choice.")

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
        Source(("S29", "S23"), "C", "Tear / avulsion and nerve features, KNOWLEDGE 5."),
    ),
    PatientAdvice(
        "urgent-help",
        "Get urgent medical help (emergency department) if you have numbness between the "
        "legs or around the back passage, new problems passing urine or controlling your "
        "bladder or bowels, weakness in both legs, or a fever with the pain.",
        Source(("S27",), "C2", "Cauda equina and systemic red flags, KNOWLEDGE 5."),
    ),
)
