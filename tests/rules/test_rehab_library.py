"""The shipped exercise library (rehab/data/exercises.json) and its validator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from pht.rules.rehab import (
    LOAD_TYPES,
    STATUSES,
    RehabInputError,
    exercise_spec_from_dict,
    exercise_specs_from_list,
)

LIBRARY_PATH = Path(__file__).resolve().parents[2] / "rehab" / "data" / "exercises.json"
MIN_EXERCISES = 30


@pytest.fixture(scope="module")
def raw() -> list[dict[str, Any]]:
    data = json.loads(LIBRARY_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def test_every_exercise_validates(raw: list[dict[str, Any]]) -> None:
    specs = exercise_specs_from_list(raw)
    assert len(specs) == len(raw)


def test_there_are_at_least_30_exercises(raw: list[dict[str, Any]]) -> None:
    assert len(raw) >= MIN_EXERCISES


def test_slugs_are_unique(raw: list[dict[str, Any]]) -> None:
    slugs = [item["slug"] for item in raw]
    assert len(slugs) == len(set(slugs))


@pytest.mark.parametrize("stage", [1, 2, 3, 4])
def test_every_stage_has_several_exercises(raw: list[dict[str, Any]], stage: int) -> None:
    assert sum(stage in item["stages"] for item in raw) >= 4


def test_every_load_type_is_covered(raw: list[dict[str, Any]]) -> None:
    assert {item["load_type"] for item in raw} == set(LOAD_TYPES)


def test_nothing_in_stage_1_has_moderate_or_deep_hip_flexion(raw: list[dict[str, Any]]) -> None:
    offenders = [
        item["slug"]
        for item in raw
        if 1 in item["stages"] and item["hip_flexion"] in ("moderate", "deep")
    ]
    assert offenders == []


def test_stage_1_is_isometric_only(raw: list[dict[str, Any]]) -> None:
    assert {item["load_type"] for item in raw if 1 in item["stages"]} == {"isometric"}


def test_every_exercise_has_instructions_cues_avoid_and_source(raw: list[dict[str, Any]]) -> None:
    for item in raw:
        assert item["instructions"].strip(), item["slug"]
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", item["instructions"].strip()) if s]
        assert 1 <= len(sentences) <= 4, (item["slug"], len(sentences))
        assert item["cues"] and all(c.strip() for c in item["cues"]), item["slug"]
        assert item["avoid"] and all(a.strip() for a in item["avoid"]), item["slug"]
        source = item["source"]
        assert source["key"] and source["citation"], item["slug"]
        assert source["status"] in STATUSES, item["slug"]


def test_unverified_specifics_are_admitted(raw: list[dict[str, Any]]) -> None:
    # Most exercise specifics are unverified; every entry must say which parts are [M].
    for item in raw:
        assert item["source"]["status"] == "M" or "[M]" in item["source"].get("note", ""), item[
            "slug"
        ]


def _valid() -> dict[str, Any]:
    return {
        "slug": "bridge-hold",
        "name": "Bridge hold",
        "stages": [1],
        "load_type": "isometric",
        "hip_flexion": "neutral",
        "dosage": {
            "sets": 5,
            "hold_seconds": "30-45",
            "rest_seconds": 60,
            "intensity": "About 70 %",
            "tempo": "Steady",
            "frequency": "Daily",
        },
        "instructions": "Lie on your back. Lift the hips.",
        "cues": ["Hips level"],
        "avoid": ["Arching"],
        "source": {"key": "S16", "citation": "A blog", "status": "C2"},
    }


def test_a_valid_entry_gives_a_spec() -> None:
    spec = exercise_spec_from_dict(_valid())
    assert spec.slug == "bridge-hold"
    assert spec.stages == (1,)
    assert spec.dosage["sets"] == 5


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"hip_flexion": "deep"}, "deeper than stage 1 allows"),
        ({"hip_flexion": "moderate", "stages": [2]}, "deeper than stage 2 allows"),
        ({"load_type": "energy_storage", "stages": [2]}, "does not belong in stage 2"),
        ({"stages": [0]}, "not a stage number 1-4"),
        ({"stages": []}, "non-empty list"),
        ({"stages": [1, 1]}, "listed twice"),
        ({"slug": "Bridge Hold"}, "not lower-case words"),
        ({"load_type": "plyo"}, "load_type: 'plyo'"),
        ({"hip_flexion": "90deg"}, "hip_flexion: '90deg'"),
        ({"cues": []}, "cues: must be a non-empty list"),
        ({"avoid": [""]}, "avoid: every entry"),
        ({"instructions": " "}, "instructions: must be non-empty"),
        ({"source": {"key": "S16", "citation": "x", "status": "maybe"}}, "source.status"),
        ({"source": {"key": "", "citation": "x", "status": "M", "url": "x"}}, "source.url"),
        ({"extra": 1}, "extra: unknown key"),
    ],
)
def test_validator_rejects(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(RehabInputError) as caught:
        exercise_spec_from_dict({**_valid(), **change})
    assert any(fragment in p for p in caught.value.problems), caught.value.problems


def test_dosage_problems_are_listed() -> None:
    entry = _valid()
    entry["dosage"] = {"sets": 0, "reps": 10, "bpm": 3}
    with pytest.raises(RehabInputError) as caught:
        exercise_spec_from_dict(entry)
    text = " | ".join(caught.value.problems)
    for fragment in (
        "dosage.bpm: unknown key",
        "dosage.rest_seconds: missing",
        "dosage.intensity: missing",
        "dosage.hold_seconds: missing (needed for isometric load)",
        "dosage.sets: must be a whole number >= 1",
    ):
        assert fragment in text


def test_missing_keys_are_all_listed() -> None:
    with pytest.raises(RehabInputError) as caught:
        exercise_spec_from_dict({"slug": "x"})
    missing = [p for p in caught.value.problems if p.endswith("missing")]
    assert len(missing) == 9


def test_duplicate_slugs_are_an_error() -> None:
    with pytest.raises(RehabInputError) as caught:
        exercise_specs_from_list([_valid(), _valid(), "not an object"])
    text = " | ".join(caught.value.problems)
    assert "bridge-hold: slug used more than once" in text
    assert "entry 2: must be an object" in text
