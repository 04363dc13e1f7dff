"""The one snapshot presenter: a stored assessment as the clinician reads it.

Every human-readable view of an assessment goes through here: the assessment page, the live
panel, the summary letter (print view and PDF), the FHIR narrative and notes, and the rehab
pages that quote the reasoning. There is one way to write a finding's value
(``finding_text``), a test (``test_rows``), an urgency (``urgency_label``), the working
diagnosis (``working_diagnosis``) and the reasoning (``present``: headline, rule-out-first
group, flags, probability, stage only where it belongs).

Every rule-derived figure is read from the stored snapshot (``evaluation``): the likelihood
ratio applied to each test, the probabilities, the stage, the flags and their titles. Today's
rule tables are never consulted, so a summary signed under one set of ratios keeps printing
them after the tables change. The CSV stays a coded data file (slugs and yes/no, its columns
documented in docs/exports.md), built from the same stored columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assessments.reasoning import (
    DIAGNOSIS_NAMES,
    ProvocationResult,
    headline,
    screen_state,
    stage_shown,
)
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, SPECS, FindingSpec, label
from pht.rules.red_flags import OPEN_URGENCIES
from pht.rules.sources import EVIDENCE_NOTE, SOURCES

# The sections of the consultation, in the order the form asks and the pages show them.
SECTION_TITLES = {
    "history": "History",
    "red_flags": "Red-flag screen",
    "tests": "Pain-provocation tests",
    "examination": "Other examination",
    "imaging": "Imaging",
}
URGENCY_LABELS = {
    "emergency": "Emergency: same day",
    "urgent": "Urgent",
    "soon": "Soon",
    "routine": "Routine",
}
SIDE_WORDS = {"left": "Left", "right": "Right", "both": "Both", "bilateral": "Bilateral"}
# Titles for red flags stored by earlier rules versions (before flags carried a title).
EARLIER_FLAG_TITLES = {
    "cauda_equina": "Possible cauda equina syndrome",
    "malignancy_or_infection": "Possible tumour or infection",
    "acute_avulsion": "Possible proximal hamstring avulsion",
    "adolescent_apophyseal_injury": "Possible apophyseal injury",
    "high_risk_bone_stress": "Possible bone stress injury",
    "neurological_deficit": "Objective neurological deficit",
}


# --- words -------------------------------------------------------------------------------


def urgency_label(urgency: str) -> str:
    return URGENCY_LABELS.get(urgency, urgency)


def _words(code: str) -> str:
    return str(code).replace("_", " ")


def finding_text(kind: str, value: Any) -> str:
    """A finding's value in words: Yes/No, a choice capitalised, places joined."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if kind == "multi" or isinstance(value, list | tuple):
        return ", ".join(_words(item) for item in value)
    if kind in ("choice", "test"):
        return _words(value).capitalize()
    return str(value)


def evidence_words(evidence: str) -> str:
    """Evidence status in plain words ("" when confirmed in the source)."""
    return EVIDENCE_NOTE.get(evidence, "")


def working_diagnosis(assessment) -> str:
    """The clinician's working diagnosis: its name, with their words when both are given."""
    code, text = assessment.working_diagnosis, assessment.working_diagnosis_text
    if code and code != "other":
        name = DIAGNOSIS_NAMES.get(code, _words(code))
        return f"{name} ({text})" if text else name
    return text


# --- findings ------------------------------------------------------------------------------


def _section_of(spec: FindingSpec) -> str:
    return "tests" if spec.kind == "test" else spec.section


def _test_detail(test: ProvocationResult | None) -> str:
    if test is None:
        return ""
    parts = []
    if test.pain is not None:
        parts.append(f"provoked pain {test.pain}/10")
    if test.side:
        parts.append(f"{test.side} side")
    return ", ".join(parts)


def finding_rows(
    findings: Mapping[str, Any],
    tests: Iterable[ProvocationResult] = (),
    *,
    skip: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """What was recorded, by section, in plain labels; absent findings listed as not asked.

    Each section: ``key``, ``title``, ``rows`` (``key``, ``kind``, ``label``, ``value`` and, for a test,
    ``detail`` with its provoked pain and side) and ``not_asked`` (labels).
    """
    by_test = {test.key: test for test in tests}
    skipped = set(skip)
    imaging = findings.get("imaging") or {}
    sections = []
    for key, title in SECTION_TITLES.items():
        specs = [
            s
            for s in FINDINGS
            if _section_of(s) == key and s.kind != "object" and s.key not in skipped
        ]
        rows = []
        if key == "imaging":
            rows = [
                {
                    "key": spec.key,
                    "kind": spec.kind,
                    "label": spec.label,
                    "value": finding_text(spec.kind, value),
                }
                for spec in IMAGING_FINDINGS
                if (value := imaging.get(spec.key)) is not None
            ]
        for spec in specs:
            if spec.key not in findings:
                continue
            row = {
                "key": spec.key,
                "kind": spec.kind,
                "label": spec.label,
                "value": finding_text(spec.kind, findings[spec.key]),
            }
            if spec.kind == "test":
                row["detail"] = _test_detail(by_test.get(spec.key))
            rows.append(row)
        not_asked = [spec.label for spec in specs if spec.key not in findings]
        sections.append({"key": key, "title": title, "rows": rows, "not_asked": not_asked})
    return sections


def section(sections: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """The rows of one section of ``finding_rows``."""
    return next(s["rows"] for s in sections if s["key"] == key)


def finding_line(key: str, value: Any) -> str:
    """One finding as a line of narrative ("Pain with sitting: Yes")."""
    spec = SPECS.get(key)
    if spec is None:
        return f"{_words(key)}: {finding_text('', value)}"
    return f"{spec.label}: {finding_text(spec.kind, value)}"


def test_rows(
    tests: Iterable[ProvocationResult], evaluation: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Each provocation test with the likelihood ratio the snapshot applied to its result.

    Read from the stored probability (``per_test``), so a letter signed under one table of
    ratios keeps showing it; a test not done has no ratio.
    """
    probability = evaluation.get("pht_probability") or {}
    used = {use["test"] for use in probability.get("tests_used") or []}
    applied = {use["test"]: use for use in probability.get("per_test") or []}
    rows = []
    for test in tests:
        use = applied.get(test.key) or {}
        rows.append(
            {
                "key": test.key,
                "name": use.get("name") or label(test.key),
                "result": finding_text("test", test.result) if test.done else "Not done",
                "done": test.done,
                "pain": test.pain,
                "side": SIDE_WORDS.get(test.side, ""),
                "lr": use.get("lr"),
                "used": test.key in used,
                "post_test": use.get("post_test"),
            }
        )
    return rows


# --- the reasoning ---------------------------------------------------------------------------


def _citation(item: Mapping[str, Any]) -> str:
    """A readable citation for a stored reason or flag (older snapshots carry only a key)."""
    if item.get("citation"):
        return item["citation"]
    return SOURCES.get(item.get("source", ""), "")


def present(
    evaluation: Mapping[str, Any] | None, findings: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A stored or fresh evaluation as the pages and the summary show it.

    Everything is in the clinician's words: readable citations, evidence in plain words, the
    rule-out-first group above the list, the headline (or "no listed diagnosis"), the stage only
    where it belongs, the questions before the tests, and the tests withheld with why. The same
    view for snapshots of every rules version.
    """
    evaluation = evaluation or {}
    if not evaluation:
        return {}
    differentials = []
    for d in evaluation.get("differentials") or []:
        reasons = [
            {**r, "citation": _citation(r), "evidence_words": evidence_words(r.get("evidence", ""))}
            for r in d.get("reasons") or []
        ]
        differentials.append(
            {**d, "reasons": reasons, "rule_out_first": d.get("rule_out_first", False)}
        )
    flags = [
        {
            **flag,
            "title": flag.get("title") or EARLIER_FLAG_TITLES.get(flag["slug"], "Red flag"),
            "citation": _citation(flag),
            "open": flag.get("urgency") in OPEN_URGENCIES,
            "urgency_label": urgency_label(flag.get("urgency", "")),
        }
        for flag in evaluation.get("red_flags") or []
    ]
    findings = findings if findings is not None else evaluation.get("findings") or {}
    screen = evaluation.get("red_flag_screen") or screen_state(dict(findings))
    tests = evaluation.get("next_tests") or []
    return {
        "rules_version": evaluation.get("rules_version", ""),
        "top": headline(dict(evaluation)),
        "rule_out": [d for d in differentials if d["rule_out_first"]],
        "listed": [
            d for d in differentials if not d["rule_out_first"] and d.get("level") != "unlikely"
        ],
        "unlikely": [
            d for d in differentials if not d["rule_out_first"] and d.get("level") == "unlikely"
        ],
        "red_flags": flags,
        "open_flags": [flag for flag in flags if flag["open"]],
        "risk_factors": evaluation.get("risk_factors") or [],
        "screen": screen,
        "screen_unasked_labels": [label(key) for key in screen.get("unasked", [])],
        "probability": evaluation.get("pht_probability") or {},
        "stage": stage_shown(dict(evaluation)),
        "questions": [t for t in tests if t.get("kind") == "question"],
        "tests": [t for t in tests if t.get("kind", "test") == "test"],
        "withheld": evaluation.get("withheld_tests") or [],
    }
