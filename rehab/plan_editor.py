"""The plan editor: a plan's exercises (in order, each with its dosage) and the exercise picker.

The page works without JavaScript. Every change is a round trip that saves nothing: the form
posts its rows (exercise and dosage, in order) with an ``action`` — ``add`` (the exercises
ticked in the picker), ``remove:<row>``, ``up:<row>``, ``down:<row>``, ``find`` (search and
filter the picker) — and comes back with the change made. ``save`` saves. The rows the page
showed travel signed (``rows_token``): posted rows that differ (a stale or tampered page) are
refused, never matched up by guesswork.

Nothing is ticked for the clinician: a new plan starts empty, and the picker lists first the
exercises the rules propose for the stage (listed for it, within its hip-flexion limit).
``static/js/plan-picker.js`` filters the picker as one types, where JavaScript runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core import signing

from pht.rules import rehab as rules
from rehab.models import Exercise

PREFIX = "items"
ROWS_SALT = "rehab.plan-editor.rows"
MOVES = ("remove", "up", "down")


@dataclass
class Row:
    """One exercise of the plan being edited, with its dosage as typed (text)."""

    exercise: Exercise
    dosage: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_library(cls, exercise: Exercise, source=None) -> Row:
        """A row with the dosage of ``source`` (a plan item), else the library default."""
        origin = source or exercise
        return cls(exercise, {name: getattr(origin, name) for name in Exercise.DOSAGE_FIELDS})

    def initial(self) -> dict:
        return {"exercise": self.exercise.pk, **self.dosage}


def rows_token(rows: list[Row]) -> str:
    """The rows the page shows, signed: the exercises in order."""
    return signing.dumps([str(row.exercise.pk) for row in rows], salt=ROWS_SALT)


def posted_rows(data, by_id: dict) -> list[Row] | None:
    """The rows as posted, or None when they are not the rows the page showed (a missing,
    extra, reordered or unknown row, or no token): the view then refuses the form."""
    try:
        shown = signing.loads(data.get("rows_token", ""), salt=ROWS_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(shown, list) or data.get(f"{PREFIX}-TOTAL_FORMS") != str(len(shown)):
        return None
    rows = []
    for index, exercise_id in enumerate(shown):
        if data.get(f"{PREFIX}-{index}-exercise") != exercise_id:
            return None
        exercise = by_id.get(_uuid(exercise_id))
        if exercise is None:
            return None
        dosage = {name: data.get(f"{PREFIX}-{index}-{name}", "") for name in Exercise.DOSAGE_FIELDS}
        rows.append(Row(exercise, dosage))
    return rows


def formset_data(data, rows: list[Row]) -> dict:
    """The posted rows' fields, for the dosage formset, with its management numbers set from
    the rows (already checked against the page): only the dosages are left to validate."""
    bound = {
        f"{PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PREFIX}-INITIAL_FORMS": str(len(rows)),
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        bound[f"{PREFIX}-{index}-exercise"] = str(row.exercise.pk)
        for name, value in row.dosage.items():
            bound[f"{PREFIX}-{index}-{name}"] = value
    return bound


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def ticked(data, candidates: list[Exercise], rows: list[Row]) -> list[Exercise]:
    """The picker's ticked exercises that may be added (offered and not yet in the plan)."""
    wanted = {_uuid(value) for value in data.getlist("add")}
    in_plan = {row.exercise.pk for row in rows}
    return [e for e in candidates if e.pk in wanted and e.pk not in in_plan]


@dataclass(frozen=True)
class Change:
    """What an action did: the new rows, and the control to focus on the page that follows
    (``focus``: "<action>:<row>" of a row's button, "dosage:<row>", or "")."""

    rows: list[Row]
    focus: str = ""
    added: tuple[str, ...] = ()


def apply(action: str, rows: list[Row], adding: list[Exercise]) -> Change:
    """The rows after ``action`` (see the module docstring); anything else changes nothing."""
    kind, _, where = action.partition(":")
    if kind == "add" and adding:
        new = [Row.from_library(exercise) for exercise in adding]
        return Change(rows + new, f"dosage:{len(rows)}", tuple(e.name for e in adding))
    if kind not in MOVES or not where.isdigit() or int(where) >= len(rows):
        return Change(rows)
    index = int(where)
    rows = list(rows)
    if kind == "remove":
        rows.pop(index)
        return Change(rows, f"remove:{index}" if index < len(rows) else "")
    other = index - 1 if kind == "up" else index + 1
    if not 0 <= other < len(rows):
        return Change(rows, f"{kind}:{index}")
    rows[index], rows[other] = rows[other], rows[index]
    # Focus stays on the moved row's button; at either end (where it is disabled), the other.
    at_end = other == 0 if kind == "up" else other == len(rows) - 1
    if at_end:
        kind = "down" if kind == "up" else "up"
    return Change(rows, f"{kind}:{other}")


@dataclass(frozen=True)
class PickerItem:
    exercise: Exercise
    suggested: bool  # proposed by the rules for the plan's stage
    stages: tuple[int, ...]
    ticked: bool
    shown: bool  # matches the search and the stage filter (ticked ones always stay shown)


def candidates(library: list[Exercise], stage: int) -> list[Exercise]:
    """Active exercises within the stage's hip-flexion limit, in library order."""
    return [
        exercise
        for exercise in library
        if exercise.status == Exercise.Status.ACTIVE
        and rules.hip_flexion_allowed(stage, exercise.hip_flexion)
    ]


def picker(
    offered: list[Exercise],
    *,
    suggested: set,
    rows: list[Row],
    query: str,
    stage_filter: int | None,
    ticked_ids: set,
) -> list[PickerItem]:
    """The picker's list: offered exercises not in the plan, the rules' suggestions first."""
    in_plan = {row.exercise.pk for row in rows}
    words = query.lower().split()
    items = []
    for exercise in offered:
        if exercise.pk in in_plan:
            continue
        stages = tuple(sorted(link.stage for link in exercise.stage_links.all()))
        matches = all(word in exercise.name.lower() for word in words) and (
            stage_filter is None or stage_filter in stages
        )
        is_ticked = exercise.pk in ticked_ids
        items.append(
            PickerItem(
                exercise=exercise,
                suggested=exercise.slug in suggested,
                stages=stages,
                ticked=is_ticked,
                shown=matches or is_ticked,
            )
        )
    items.sort(key=lambda item: not item.suggested)
    return items
