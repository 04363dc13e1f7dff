"""The assessment summary: one context for the print view and the PDF, and the PDF render.

The summary is a referral letter read in a minute: who and where, the patient, what was found
(plain labels, never raw keys), what the reasoning suggested and why, what the clinician decided,
and whether it is signed. Everything comes from the stored snapshot through
``assessments.presenter``: the findings' words, each test with the likelihood ratio the snapshot
applied to it, the urgencies, the stage and the working diagnosis.

The PDF is rendered by WeasyPrint (``pht.pdf``) from ``exports/summary_pdf.html``; its only
external resource is ``static/css/print-summary.css``, and rendering never touches the network.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from assessments import presenter
from pht import pdf


def summary_context(assessment, *, visa_h=None) -> dict[str, Any]:
    """Everything the summary template shows, from the assessment's stored snapshot."""
    evaluation = assessment.evaluation or {}
    findings = assessment.evaluated_findings or {}
    view = presenter.present(evaluation, findings)
    screen = view.get("screen") or {"unasked": [], "complete": True}
    sections = presenter.finding_rows(findings, skip=("side", "visa_h"))
    imaging = presenter.section(sections, "imaging")
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "age": assessment.patient.age_on(assessment.assessed_on),
        "clinic": assessment.clinic,
        "clinician": assessment.clinician,
        "is_draft": not assessment.is_signed,
        "history": presenter.section(sections, "history"),
        "screen": presenter.section(sections, "red_flags"),
        "screen_complete": screen.get("complete", True),
        "screen_unasked": view.get("screen_unasked_labels") or [],
        "tests": presenter.test_rows(assessment.provocation_tests, evaluation),
        "examination": presenter.section(sections, "examination"),
        "imaging_flags": [row for row in imaging if row["kind"] != "text"],
        "imaging_reports": [row for row in imaging if row["kind"] == "text"],
        "visa_h_response": visa_h,
        "visa_h_total": visa_h.total if visa_h else findings.get("visa_h"),
        # The total the reasoning read; differs when a later questionnaire was added after
        # signing (an addendum), which the letter then shows first, with its date.
        "visa_h_in_findings": findings.get("visa_h"),
        "red_flags": view.get("red_flags") or [],
        "top": view.get("top"),
        "rule_out": view.get("rule_out") or [],
        "differentials": view.get("listed") or [],
        "unlikely": view.get("unlikely") or [],
        "risk_factors": view.get("risk_factors") or [],
        "withheld": view.get("withheld") or [],
        "probability": view.get("probability") or {},
        "stage": view.get("stage"),
        "open_flags": view.get("open_flags") or [],
        "working_diagnosis": presenter.working_diagnosis(assessment),
        "rules_version": evaluation.get("rules_version") or assessment.rules_version,
    }


def render_pdf(context: dict[str, Any]) -> bytes:
    return pdf.render_pdf(render_to_string("exports/summary_pdf.html", context))
