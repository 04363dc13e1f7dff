"""The rehab rules' vocabulary: levels, stage numbers, input errors and sources.

rehab stage
    0-4, after the staged programme of Goom et al. 2016 (JOSPT): 0 load management and
    education (runs alongside every other stage), 1 isometric load, 2 isotonic load with
    little hip flexion, 3 isotonic load with increasing hip flexion, 4 energy storage and
    return to running. The table is in :mod:`pht.rules.rehab.stages`.
tendon stage
    The assessment's continuum stage: ``reactive``, ``disrepair``, ``degenerative``,
    ``reactive_on_degenerative``, ``uncertain``, or ``None`` when no stage was given.
irritability
    ``high`` / ``moderate`` / ``low``: how easily the pain is provoked and how slowly it
    settles. :func:`pht.rules.irritability.irritability_from_findings` derives it.
hip flexion
    The deepest hip angle an exercise reaches, in four bands (band edges are a project
    heuristic): ``neutral`` about 0-15 deg, ``low`` about 15-30 deg, ``moderate`` about
    30-70 deg, ``deep`` beyond about 70 deg. Hip flexion compresses the tendon against the
    ischial tuberosity, so it is progressed like load (Pogo Physio, a secondary summary).
    Stage 1 keeps the hip at about 20-30 deg or less (Advantage Sport Medicine, a secondary
    summary), hence neutral or low only; stage 2 likewise.
load type
    ``isometric``, ``isotonic``, ``energy_storage`` (plyometric, stretch-shortening),
    ``running`` (walking and running load: walk-run, strides, hills).
marker test, marker pain
    One repeatable provocation test done at the same time each day, e.g. 3 reps of a
    short-lever single-leg bridge, rated 0-10. ``marker_pain`` is today's rating.
24-h response
    ``better`` / ``same`` / ``worse``: the marker pain the morning after a session compared
    with before it. ``better`` and ``same`` count as *settled* (the pain settled within
    24 h); ``worse`` means it did not.
adherence
    ``full`` / ``partial`` / ``poor``: how much of the prescribed programme was done.

Evidence
--------
Every rule, threshold and piece of advice carries a :class:`Source`: the registry keys of
``pht.rules.sources`` (for machines and stored snapshots) and an evidence status (``C``,
``C2``, ``M``, ``Dev``; see that module). People only ever see :attr:`Source.citation`: the
readable citations and the plain evidence words of ``EVIDENCE_NOTE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard

from pht.rules.errors import RehabInputError
from pht.rules.irritability import IRRITABILITY_LEVELS
from pht.rules.sources import EVIDENCE_NOTE, REGISTRY

__all__ = [
    "ADHERENCE_LEVELS",
    "FIRST_STAGE",
    "HIP_FLEXION_LEVELS",
    "IRRITABILITY_LEVELS",
    "LAST_STAGE",
    "LOAD_TYPES",
    "RESPONSES_24H",
    "RESPONSE_WORDS",
    "STATUSES",
    "TENDON_STAGES",
    "RehabInputError",
    "Source",
    "readable_citation",
]

STATUSES: tuple[str, ...] = ("C", "C2", "M", "Dev")

TENDON_STAGES: tuple[str, ...] = (
    # Mirrors the stage slugs of the assessment's evaluation (pht.rules.stage).
    "reactive",
    "disrepair",
    "degenerative",
    "reactive_on_degenerative",
    "uncertain",
)
HIP_FLEXION_LEVELS: tuple[str, ...] = ("neutral", "low", "moderate", "deep")  # shallow -> deep
LOAD_TYPES: tuple[str, ...] = ("isometric", "isotonic", "energy_storage", "running")
RESPONSES_24H: tuple[str, ...] = ("better", "same", "worse")
RESPONSE_WORDS: Mapping[str, str] = MappingProxyType(
    {"better": "better than before the session", "same": "no worse than before the session"}
)
ADHERENCE_LEVELS: tuple[str, ...] = ("full", "partial", "poor")

FIRST_STAGE = 0
LAST_STAGE = 4

PROJECT_KEY = "DEV"  # the registry's key for a project choice


def is_whole_number(value: object) -> TypeGuard[int]:
    # bool is a subclass of int; True must not pass as 1.
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def hip_rank(level: str) -> int:
    return HIP_FLEXION_LEVELS.index(level)


def readable_citation(
    keys: tuple[str, ...] | list[str], status: str, *, in_text: bool = False
) -> str:
    """The readable form of a citation: registry citations plus plain evidence words.

    ``in_text`` gives the form used inside a sentence's parentheses (a comma instead of
    nested parentheses). Unknown keys are left out, never shown.
    """
    names = "; ".join(
        REGISTRY[key].citation for key in keys if key in REGISTRY and key != PROJECT_KEY
    )
    words = EVIDENCE_NOTE.get(status, "")
    if status == "Dev":
        return f"{words}, based on {names}" if names else words
    if not words:
        return names
    if not names:
        return words
    return f"{names}, {words}" if in_text else f"{names} ({words})"


@dataclass(frozen=True)
class Source:
    """Where a rule, threshold or piece of advice comes from.

    ``keys`` are keys of the one registry (``pht.rules.sources.REGISTRY``); ``DEV`` marks
    a project choice. ``status`` is the evidence status. ``note`` is plain words for the
    clinician. Only :attr:`citation` (or :attr:`in_text`) is ever shown.
    """

    keys: tuple[str, ...]
    status: str  # one of STATUSES
    note: str = ""

    def __post_init__(self) -> None:
        problems = []
        if self.status not in STATUSES:
            problems.append(f"status {self.status!r} is not one of {STATUSES}")
        if not self.keys:
            problems.append("no source key: a project choice cites DEV")
        problems += [
            f"{key!r} is not in the source registry" for key in self.keys if key not in REGISTRY
        ]
        if problems:
            raise ValueError(f"Source{self.keys}: {'; '.join(problems)}")

    @property
    def citation(self) -> str:
        """E.g. "Advantage Sport Medicine: PHT guidance (from a secondary summary)"."""
        return readable_citation(self.keys, self.status)

    @property
    def in_text(self) -> str:
        """The citation for use inside a sentence, e.g. "(Pogo Physio: ..., from a secondary summary)"."""
        return f"({readable_citation(self.keys, self.status, in_text=True)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "keys": list(self.keys),
            "status": self.status,
            "note": self.note,
            "citation": self.citation,
        }
