"""The adapter between stored assessments and the pure rules module.

Builds the findings dict from what the clinician recorded plus what the record already knows
(age at the assessment date, sex, symptomatic side), evaluates it with ``pht.rules``, and
derives the summary columns kept beside the snapshot.
"""

import datetime
from typing import Any

from pht import rules
from pht.rules.differentials import TABLES
from pht.rules.stage import STAGE_NAMES

URGENCY_ORDER = ("emergency", "urgent", "soon")
# Keys the form never asks for because the record already knows them.
DERIVED_KEYS = ("age", "sex", "side")
AGE_RANGE = (5, 110)


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


def summary_columns(evaluation: dict[str, Any]) -> dict[str, Any]:
    differentials = evaluation.get("differentials") or []
    stage = evaluation.get("stage") or {}
    urgencies = {flag["urgency"] for flag in evaluation.get("red_flags") or []}
    flags = evaluation.get("red_flags") or []
    return {
        "top_diagnosis": differentials[0]["slug"] if differentials else "",
        "top_level": differentials[0]["level"] if differentials else "",
        "red_flags": ";".join(flag["slug"] for flag in flags),
        "stage": stage.get("slug", ""),
        "post_test_probability": (evaluation.get("pht_probability") or {}).get("post_test"),
        "red_flag_urgency": next((u for u in URGENCY_ORDER if u in urgencies), ""),
    }


def diagnosis_name(slug: str) -> str:
    return DIAGNOSIS_NAMES.get(slug, slug)


# (slug, name) of every diagnosis the rules know, in their clinical priority order.
DIAGNOSIS_CHOICES: list[tuple[str, str]] = [(table.slug, table.name) for table in TABLES]
DIAGNOSIS_NAMES: dict[str, str] = dict(DIAGNOSIS_CHOICES)
STAGE_CHOICES: list[tuple[str, str]] = list(STAGE_NAMES.items())
