"""Load the shipped exercise library (rehab/data/exercises.json) into the database.

Used by the data migration (with the migration's historical models) and by the
``load_exercises`` command after the JSON changes. Idempotent: shipped exercises are
matched by slug and updated; shipped exercises no longer in the file are retired, never
deleted, because plans refer to them. Clinic-own exercises are never touched.
"""

import json
from pathlib import Path

from pht.rules.rehab import exercise_specs_from_list

LIBRARY_PATH = Path(__file__).resolve().parent / "data" / "exercises.json"


def read_library(path: Path = LIBRARY_PATH) -> list[dict]:
    """The library entries, validated by the rules module (raises RehabInputError)."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    exercise_specs_from_list(entries)
    return entries


def _as_text(value) -> str:
    return "" if value is None else str(value)


def exercise_fields(entry: dict) -> dict:
    """The Exercise columns for one library entry (stages are separate rows)."""
    dosage = entry["dosage"]
    source = entry["source"]
    return {
        "name": entry["name"],
        "load_type": entry["load_type"],
        "hip_flexion": entry["hip_flexion"],
        "sets": _as_text(dosage.get("sets")),
        "reps": _as_text(dosage.get("reps")),
        "hold_seconds": _as_text(dosage.get("hold_seconds")),
        "rest_seconds": _as_text(dosage.get("rest_seconds")),
        "intensity": dosage["intensity"],
        "tempo": dosage["tempo"],
        "frequency": dosage["frequency"],
        "instructions": entry["instructions"],
        "cues": list(entry["cues"]),
        "avoid": list(entry["avoid"]),
        "source_key": source["key"],
        "source_citation": source["citation"],
        "source_status": source["status"],
        "source_note": source.get("note", ""),
        "status": "active",
    }


def load_shipped_exercises(exercise_model, stage_model, entries: list[dict]) -> int:
    """Create or update every shipped exercise; retire the ones no longer shipped.

    Takes the model classes so that a migration can pass its historical models.
    Returns the number of exercises in the file.
    """
    slugs = []
    for order, entry in enumerate(entries):
        fields = exercise_fields(entry) | {"order": order}
        exercise, _ = exercise_model.objects.update_or_create(
            clinic=None, slug=entry["slug"], defaults=fields
        )
        wanted = set(entry["stages"])
        stage_model.objects.filter(exercise=exercise).exclude(stage__in=wanted).delete()
        have = set(stage_model.objects.filter(exercise=exercise).values_list("stage", flat=True))
        stage_model.objects.bulk_create(
            [stage_model(exercise=exercise, stage=stage) for stage in sorted(wanted - have)]
        )
        slugs.append(entry["slug"])
    exercise_model.objects.filter(clinic=None).exclude(slug__in=slugs).update(status="retired")
    return len(slugs)
