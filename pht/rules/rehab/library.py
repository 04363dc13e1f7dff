"""The exercise library as the rules see it: validation of ``rehab/data/exercises.json``,
the exercises that fit a stage, and the hip-flexion limit for one exercise."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pht.rules.rehab.stages import STAGES_BY_NUMBER, rehab_stage
from pht.rules.rehab.vocabulary import (
    HIP_FLEXION_LEVELS,
    LAST_STAGE,
    LOAD_TYPES,
    STATUSES,
    RehabInputError,
    hip_rank,
    is_text,
    is_whole_number,
)


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


def _text_list_problems(name: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        return [f"{name}: must be a non-empty list of text"]
    if not all(is_text(item) for item in value):
        return [f"{name}: every entry must be non-empty text"]
    return []


def exercise_spec_from_dict(d: Mapping[str, object]) -> ExerciseSpec:
    """Validate one exercise of ``rehab/data/exercises.json`` and return its spec.

    The whole entry is checked (also instructions, cues, avoid and source, which the
    rules do not use) so that the data migration can rely on it. Raises
    :class:`RehabInputError` listing every problem.
    """
    slug = d.get("slug")
    name = d.get("name")
    load_type = d.get("load_type")
    hip_flexion = d.get("hip_flexion")
    dosage = d.get("dosage")
    stages, stage_problems = _stages(d)
    problems = [
        *_key_problems(d),
        *_name_problems(d, slug, name),
        *stage_problems,
        *_band_problems(d, load_type, hip_flexion),
        *_stage_limit_problems(stages, load_type, hip_flexion),
        *(_dosage_problems(dosage, load_type) if "dosage" in d else []),
        *_text_problems(d),
    ]
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


def _key_problems(d: Mapping[str, object]) -> list[str]:
    unknown = [f"{key}: unknown key" for key in sorted(set(d) - EXERCISE_KEYS)]
    return unknown + [f"{key}: missing" for key in sorted(EXERCISE_KEYS - set(d))]


def _name_problems(d: Mapping[str, object], slug: object, name: object) -> list[str]:
    problems: list[str] = []
    if "slug" in d and not (isinstance(slug, str) and SLUG_PATTERN.match(slug)):
        problems.append(f"slug: {slug!r} is not lower-case words joined by hyphens")
    if "name" in d and not is_text(name):
        problems.append("name: must be non-empty text")
    return problems


def _stages(d: Mapping[str, object]) -> tuple[list[int], list[str]]:
    """The valid stage numbers listed, and the problems with the list."""
    if "stages" not in d:
        return [], []
    raw_stages = d["stages"]
    if not isinstance(raw_stages, list) or not raw_stages:
        return [], ["stages: must be a non-empty list of stage numbers 1-4"]
    stages: list[int] = []
    problems: list[str] = []
    for stage in raw_stages:
        if not is_whole_number(stage) or not 1 <= stage <= LAST_STAGE:
            # Stage 0 is advice (LOAD_ADVICE), not exercises.
            problems.append(f"stages: {stage!r} is not a stage number 1-4")
        else:
            stages.append(stage)
    if len(set(stages)) != len(stages):
        problems.append("stages: a stage is listed twice")
    return stages, problems


def _band_problems(d: Mapping[str, object], load_type: object, hip_flexion: object) -> list[str]:
    problems: list[str] = []
    if "load_type" in d and load_type not in LOAD_TYPES:
        problems.append(f"load_type: {load_type!r} is not one of {', '.join(LOAD_TYPES)}")
    if "hip_flexion" in d and hip_flexion not in HIP_FLEXION_LEVELS:
        problems.append(
            f"hip_flexion: {hip_flexion!r} is not one of {', '.join(HIP_FLEXION_LEVELS)}"
        )
    return problems


def _stage_limit_problems(stages: list[int], load_type: object, hip_flexion: object) -> list[str]:
    # The stage limits are the point of the staged programme: stage 1 and 2 must never
    # carry compressive (moderate or deep) hip flexion, and springy or running load
    # belongs to stage 4 only.
    problems: list[str] = []
    for stage in stages:
        limits = rehab_stage(stage)
        if hip_flexion in HIP_FLEXION_LEVELS and hip_rank(str(hip_flexion)) > hip_rank(
            limits.max_hip_flexion
        ):
            problems.append(
                f"hip_flexion: {hip_flexion} is deeper than stage {stage} allows "
                f"({limits.max_hip_flexion} at most)"
            )
        if load_type in LOAD_TYPES and load_type not in limits.load_types:
            problems.append(f"load_type: {load_type} does not belong in stage {stage}")
    return problems


def _text_problems(d: Mapping[str, object]) -> list[str]:
    """Instructions, cues, avoid and source: not used by the rules, checked for the data."""
    problems: list[str] = []
    if "instructions" in d and not is_text(d.get("instructions")):
        problems.append("instructions: must be non-empty text")
    for key in ("cues", "avoid"):
        if key in d:
            problems.extend(_text_list_problems(key, d[key]))
    if "source" in d:
        problems.extend(_source_problems(d["source"]))
    return problems


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
            if not (is_text(value) or (is_whole_number(value) and value >= smallest)):
                problems.append(
                    f"dosage.{key}: must be a whole number >= {smallest} or text, got {value!r}"
                )
    for key in ("intensity", "tempo", "frequency"):
        if key in dosage and not is_text(dosage[key]):
            problems.append(f"dosage.{key}: must be non-empty text")
    return problems


def _source_problems(source: object) -> list[str]:
    if not isinstance(source, Mapping):
        return ["source: must be an object with key, citation and status"]
    problems = [f"source.{key}: unknown key" for key in sorted(set(source) - SOURCE_KEYS)]
    for key in ("key", "citation"):
        if not is_text(source.get(key)):
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
    limit = hip_rank(rehab_stage(stage).max_hip_flexion)
    return tuple(
        spec
        for spec in catalogue
        if stage in spec.stages
        and spec.hip_flexion in HIP_FLEXION_LEVELS
        and hip_rank(spec.hip_flexion) <= limit
    )


def hip_flexion_allowed(stage: int, hip_flexion: str) -> bool:
    """Whether an exercise with this hip-flexion band may be used at ``stage``.

    The same limit as :func:`exercises_for_stage`, for one exercise: used when a
    clinician adds an exercise by hand, so stage 1 and 2 never get moderate or deep
    hip flexion (Advantage Sport Medicine, a secondary summary).
    """
    if stage not in STAGES_BY_NUMBER or hip_flexion not in HIP_FLEXION_LEVELS:
        return False
    return hip_rank(hip_flexion) <= hip_rank(rehab_stage(stage).max_hip_flexion)
