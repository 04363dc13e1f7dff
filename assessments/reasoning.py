"""The adapter between stored assessments and the pure rules module.

``prepare`` turns what the clinician recorded into one typed ``AssessmentInput``: the findings
plus what the record already knows (age at the assessment date, sex, symptomatic side),
validated and evaluated once by ``pht.rules``, with each provocation test's result, provoked
pain and side together (``ProvocationResult``). The services store it as it is. This module also
derives the summary columns kept beside the snapshot and reads the snapshot's headline, open
flags and stage; how a snapshot is shown is ``assessments.presenter``'s job.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pht import rules
from pht.rules.differentials import TABLES
from pht.rules.findings import flatten
from pht.rules.red_flags import OPEN_URGENCIES
from pht.rules.screen import SCREEN_KEYS
from pht.rules.screen import screen as screen_of
from pht.rules.stage import STAGE_NAMES

URGENCY_ORDER = ("emergency", "urgent", "soon")
# Keys the form never asks for because the record already knows them.
DERIVED_KEYS = ("age", "sex", "side")
AGE_RANGE = (5, 110)
PHT = "proximal_hamstring_tendinopathy"

# The three pain-provocation tests, in the order they are usually examined (and shown).
TEST_KEYS = ("puranen_orava", "bent_knee_stretch", "modified_bent_knee_stretch")
# The fields of Assessment that the form sets besides the findings and the tests.
DETAIL_FIELDS = (
    "assessed_on",
    "side",
    "pre_test_probability",
    "working_diagnosis",
    "working_diagnosis_text",
    "clinical_notes",
    "plan_notes",
)


@dataclass(frozen=True)
class ProvocationResult:
    """One pain-provocation test as recorded: its result, provoked pain (0-10) and side."""

    key: str
    result: str | None  # "positive", "negative", or None when the test was not done
    pain: int | None = None
    side: str = ""  # "left", "right", "both", or "" when not recorded

    @property
    def done(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class AssessmentInput:
    """One consultation as entered: validated and evaluated once, stored as it is.

    ``recorded`` is the findings as the clinician gave them (test results included; age, sex
    and side left to the record), ``tests`` each test's result with its pain and side,
    ``details`` the other fields, ``evaluation`` the snapshot of the rules' reasoning, and
    ``unresolved`` the answers set aside because they contradict others (kept in a draft, left
    out of the findings, resolved before signing).
    Made only by ``prepare``, so an instance is always valid.
    """

    details: Mapping[str, Any]
    recorded: Mapping[str, Any]
    tests: tuple[ProvocationResult, ...]
    evaluation: Mapping[str, Any]
    unresolved: Mapping[str, Any] = field(default_factory=dict)

    def columns(self) -> dict[str, Any]:
        """The Assessment columns this input sets (besides the findings and the snapshot)."""
        return {
            **self.details,
            **test_columns(self.tests),
            "unresolved": dict(self.unresolved),
        }


def test_columns(tests: tuple[ProvocationResult, ...]) -> dict[str, Any]:
    """Where each test's pain and side are kept: two columns of Assessment per test.

    The one writer of those columns (``Assessment.provocation_tests`` is the one reader)."""
    columns: dict[str, Any] = {}
    for test in tests:
        columns[f"{test.key}_pain"] = test.pain
        columns[f"{test.key}_side"] = test.side
    return columns


def prepare(
    *,
    patient,
    details: Mapping[str, Any],
    recorded: Mapping[str, Any],
    tests: Mapping[str, tuple[int | None, str]] | None = None,
    unresolved: Mapping[str, Any] | None = None,
) -> AssessmentInput:
    """Validate and evaluate a consultation once; raises ``rules.FindingsError`` listing every
    problem. ``tests`` maps a test to its (provoked pain, side tested)."""
    details = {name: details.get(name) for name in DETAIL_FIELDS}
    details["side"] = details["side"] or ""
    for name in ("working_diagnosis", "working_diagnosis_text", "clinical_notes", "plan_notes"):
        details[name] = details[name] or ""
    recorded = {key: value for key, value in recorded.items() if key not in DERIVED_KEYS}
    findings = build_findings(
        patient=patient, assessed_on=details["assessed_on"], side=details["side"], recorded=recorded
    )
    evaluation = evaluate(findings, pre_test_probability=details["pre_test_probability"])
    results = []
    for key in TEST_KEYS:
        pain, side = (tests or {}).get(key, (None, ""))
        results.append(ProvocationResult(key, recorded.get(key), pain, side or ""))
    return AssessmentInput(
        details=details,
        recorded=recorded,
        tests=tuple(results),
        evaluation=evaluation,
        unresolved=dict(unresolved or {}),
    )


def prepare_from_columns(*, patient, recorded: Mapping[str, Any], columns: Mapping[str, Any]):
    """``prepare`` for a caller holding Assessment columns (demo data, an amendment's copy)."""
    tests = {
        key: (columns.get(f"{key}_pain"), columns.get(f"{key}_side") or "") for key in TEST_KEYS
    }
    return prepare(patient=patient, details=columns, recorded=recorded, tests=tests)


def build_findings(*, patient, assessed_on: datetime.date, side: str, recorded: dict) -> dict:
    findings = {key: value for key, value in recorded.items() if key not in DERIVED_KEYS}
    age = patient.age_on(assessed_on)
    if AGE_RANGE[0] <= age <= AGE_RANGE[1]:
        findings["age"] = age
    if patient.sex in ("female", "male"):
        findings["sex"] = patient.sex
    if side:
        findings["side"] = side
    return findings


def evaluate(findings: dict, *, pre_test_probability: float | None = None) -> dict[str, Any]:
    """The JSON-ready evaluation; raises ``rules.FindingsError`` listing every problem."""
    return rules.evaluate(findings, pre_test_probability=pre_test_probability).to_dict()


def headline(evaluation: dict[str, Any]) -> dict[str, Any] | None:
    """The headline diagnosis of a snapshot, or None when nothing reaches "possible".

    Snapshots from before ``top`` existed: the first-ranked diagnosis unless it is unlikely.
    """
    if "top" in evaluation:
        return evaluation["top"]
    differentials = evaluation.get("differentials") or []
    if differentials and differentials[0].get("level") != "unlikely":
        first = differentials[0]
        return {"slug": first["slug"], "name": first["name"], "level": first["level"]}
    return None


def open_flags(evaluation: dict[str, Any]) -> list[dict[str, Any]]:
    """The urgent and emergency red flags of a snapshot."""
    return [f for f in evaluation.get("red_flags") or [] if f.get("urgency") in OPEN_URGENCIES]


def stage_shown(evaluation: dict[str, Any]) -> dict[str, Any] | None:
    """The stage, only where it belongs: tendinopathy leads and no urgent flag is open.

    Applied to every snapshot, so an assessment signed under earlier rules (which gave a stage
    more often) shows it only under the same conditions.
    """
    stage = evaluation.get("stage")
    top = headline(evaluation)
    if not stage or top is None or top["slug"] != PHT or open_flags(evaluation):
        return None
    return stage


def summary_columns(evaluation: dict[str, Any]) -> dict[str, Any]:
    top = headline(evaluation)
    stage = stage_shown(evaluation) or {}
    urgencies = {flag["urgency"] for flag in evaluation.get("red_flags") or []}
    flags = evaluation.get("red_flags") or []
    return {
        "top_diagnosis": top["slug"] if top else "",
        "top_level": top["level"] if top else "",
        "red_flags": ";".join(flag["slug"] for flag in flags),
        "stage": stage.get("slug", ""),
        "post_test_probability": (evaluation.get("pht_probability") or {}).get("post_test"),
        "red_flag_urgency": next((u for u in URGENCY_ORDER if u in urgencies), ""),
    }


def screen_state(findings: dict[str, Any]) -> dict[str, Any]:
    """Which red-flag screening questions were answered in these findings."""
    result = screen_of(flatten(findings) if findings else {})
    return result.to_dict()


def diagnosis_name(slug: str) -> str:
    return DIAGNOSIS_NAMES.get(slug, slug)


# (slug, name) of every diagnosis the rules know, in their clinical priority order.
DIAGNOSIS_CHOICES: list[tuple[str, str]] = [(table.slug, table.name) for table in TABLES]
DIAGNOSIS_NAMES: dict[str, str] = dict(DIAGNOSIS_CHOICES)
STAGE_CHOICES: list[tuple[str, str]] = list(STAGE_NAMES.items())
SCREEN_QUESTIONS: tuple[str, ...] = SCREEN_KEYS
