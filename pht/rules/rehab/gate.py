"""Whether a tendinopathy rehab plan may be proposed from an assessment: a pure gate.

``rehab_gate(evaluation, working_diagnosis=...)`` reads an assessment's stored evaluation
snapshot (the JSON of ``Evaluation.to_dict()``) and the clinician's working diagnosis:

* an **emergency or urgent red flag** blocks the plan until the flag is resolved or the
  clinician records an override with a reason;
* a **working diagnosis** other than proximal hamstring tendinopathy blocks it;
* with **no working diagnosis**, the evaluation's leading suggestion decides: ``top`` when
  the snapshot has it (``None`` means no listed diagnosis is suggested), otherwise (older
  snapshots) the first differential unless it is unlikely.

The reasons are plain words for the clinician.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PHT = "proximal_hamstring_tendinopathy"
PHT_NAME = "proximal hamstring tendinopathy"
BLOCKING_URGENCIES: tuple[str, ...] = ("emergency", "urgent")
_URGENCY_WORDS = {"emergency": "an emergency", "urgent": "an urgent"}


@dataclass(frozen=True)
class RehabGate:
    allowed: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": list(self.reasons)}


def _items(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _diagnosis_name(slug: str, differentials: list[Mapping[str, Any]]) -> str:
    for item in differentials:
        if item.get("slug") == slug and item.get("name"):
            return str(item["name"])
    return slug


def _leading(
    evaluation: Mapping[str, Any], differentials: list[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The evaluation's leading suggestion (a dict with slug and name) or None."""
    if "top" in evaluation:
        top = evaluation["top"]
        return top if isinstance(top, Mapping) and top.get("slug") else None
    if differentials and differentials[0].get("level") != "unlikely":
        return differentials[0]
    return None


def rehab_gate(evaluation: Mapping[str, Any], *, working_diagnosis: str) -> RehabGate:
    """Allowed, or blocked with every reason why. See the module docstring for the rules."""
    reasons: list[str] = []
    differentials = _items(evaluation.get("differentials"))

    for flag in _items(evaluation.get("red_flags")):
        urgency = flag.get("urgency")
        if urgency in BLOCKING_URGENCIES:
            message = str(flag.get("message") or "a red flag").rstrip(".")
            reasons.append(
                f"Red flag needing {_URGENCY_WORDS[str(urgency)]} response: {message}. "
                "Rehabilitation is not proposed until this flag is resolved, or until the "
                "clinician records an override with a reason."
            )

    diagnosis = (working_diagnosis or "").strip()
    if diagnosis:
        if diagnosis != PHT:
            name = _diagnosis_name(diagnosis, differentials)
            reasons.append(
                f"The working diagnosis is {name}, not a tendinopathy: a rehabilitation plan "
                f"for {PHT_NAME} is not proposed."
            )
    else:
        leading = _leading(evaluation, differentials)
        if leading is None:
            reasons.append(
                "No working diagnosis is recorded and the assessment suggests none of the "
                f"listed diagnoses: record a working diagnosis of {PHT_NAME} to plan its "
                "rehabilitation."
            )
        elif leading.get("slug") != PHT:
            name = str(leading.get("name") or leading.get("slug"))
            reasons.append(
                f"No working diagnosis is recorded and the leading suggestion is {name}, not "
                f"{PHT_NAME}: a tendinopathy rehabilitation plan is not proposed. Record a "
                "working diagnosis if you judge otherwise."
            )

    if reasons:
        return RehabGate(False, tuple(reasons))
    basis = "The working diagnosis" if diagnosis else "The leading suggestion"
    return RehabGate(
        True,
        (f"{basis} is {PHT_NAME} and no emergency or urgent red flag is raised.",),
    )
