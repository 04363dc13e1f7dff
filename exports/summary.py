"""The assessment summary: one context for the print view and the PDF, and the PDF render.

The summary is a referral letter read in a minute: who and where, the patient, what was found
(plain labels, never raw keys), what the reasoning suggested and why, what the clinician decided,
and whether it is signed. Everything comes from the stored snapshot.

The PDF is rendered by WeasyPrint from ``exports/summary_pdf.html``. Its only external resource
is ``static/css/print-summary.css``, fetched through :class:`StaticFilesOnly`, which serves local
static files and refuses every other URL: rendering never touches the network.
"""

from __future__ import annotations

import mimetypes
import posixpath
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from assessments.reasoning import DIAGNOSIS_NAMES, present
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS, PAIN_LOCATIONS
from pht.rules.probability import PROVOCATION_TESTS

# A base URL that never resolves: relative URLs in the PDF template become URLs under it, and
# the fetcher maps ``pht-static/<path>`` under it to the static file ``<path>`` (found by the
# static finders, so it works before and after collectstatic, hashed names or not).
PDF_BASE_URL = "https://pdf.pht-clinic.invalid/"
STATIC_PREFIX = PDF_BASE_URL + "pht-static/"
TEST_KEYS = tuple(test.key for test in PROVOCATION_TESTS)
# Test order on the letter: as the examination is usually done (PO, BK, MBK).
LETTER_TEST_ORDER = ("puranen_orava", "bent_knee_stretch", "modified_bent_knee_stretch")
PAIN_LOCATION_LABELS = {slug: slug.replace("_", " ") for slug in PAIN_LOCATIONS}
URGENCY_LABELS = {"emergency": "Emergency", "urgent": "Urgent", "soon": "Soon"}


class StaticFilesOnly(URLFetcher):
    """A WeasyPrint URL fetcher that serves files found by the static finders, nothing else."""

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"Refused to fetch {url}: only local static files are allowed.")
        relative = posixpath.normpath(url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0])
        if relative.startswith(("..", "/")):
            raise ValueError(f"Refused to fetch {url}: outside the static files.")
        path = finders.find(relative)
        if not path:
            raise ValueError(f"No static file {relative}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def _plain(spec_kind: str, value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if spec_kind == "multi":
        return ", ".join(PAIN_LOCATION_LABELS.get(v, str(v)) for v in value)
    if spec_kind in ("choice", "test"):
        return str(value).replace("_", " ").capitalize()
    return str(value)


def _rows(specs, values: dict, *, section: str, skip=()) -> list[dict[str, str]]:
    return [
        {"key": spec.key, "label": spec.label, "value": _plain(spec.kind, values[spec.key])}
        for spec in specs
        if spec.section == section and spec.key in values and spec.key not in skip
    ]


def _tests(assessment, findings: dict, probability: dict) -> list[dict[str, Any]]:
    used = {use["test"] for use in probability.get("tests_used") or []}
    per_test = {use["test"]: use for use in probability.get("per_test") or []}
    by_key = {test.key: test for test in PROVOCATION_TESTS}
    rows = []
    for key in LETTER_TEST_ORDER:
        test = by_key[key]
        result = findings.get(key)
        rows.append(
            {
                "key": key,
                "name": test.name,
                "result": result.capitalize() if result else "Not done",
                "done": result is not None,
                "pain": getattr(assessment, f"{key}_pain", None),
                "side": getattr(assessment, f"get_{key}_side_display")(),
                "lr_positive": test.lr_positive,
                "lr_negative": test.lr_negative,
                "used": key in used,
                "post_test": (per_test.get(key) or {}).get("post_test"),
            }
        )
    return rows


def summary_context(assessment, *, visa_h=None) -> dict[str, Any]:
    """Everything the summary template shows, from the assessment's stored snapshot."""
    evaluation = assessment.evaluation or {}
    findings = assessment.evaluated_findings or {}
    imaging = findings.get("imaging") or {}
    view = present(evaluation, findings)
    probability = view.get("probability") or {}
    red_flags = [
        {**flag, "urgency_label": URGENCY_LABELS.get(flag["urgency"], flag["urgency"])}
        for flag in view.get("red_flags") or []
    ]
    screen = view.get("screen") or {"unasked": [], "complete": True}
    history = _rows(FINDINGS, findings, section="history", skip=("side", "visa_h"))
    return {
        "assessment": assessment,
        "patient": assessment.patient,
        "age": assessment.patient.age_on(assessment.assessed_on),
        "clinic": assessment.clinic,
        "clinician": assessment.clinician,
        "is_draft": not assessment.is_signed,
        "history": history,
        "screen": _rows(FINDINGS, findings, section="red_flags"),
        "screen_complete": screen.get("complete", True),
        "screen_unasked": view.get("screen_unasked_labels") or [],
        "tests": _tests(assessment, findings, probability),
        "examination": _rows(FINDINGS, findings, section="examination", skip=TEST_KEYS),
        "imaging_flags": _rows(
            [s for s in IMAGING_FINDINGS if s.kind != "text"], imaging, section="imaging"
        ),
        "imaging_reports": _rows(
            [s for s in IMAGING_FINDINGS if s.kind == "text"], imaging, section="imaging"
        ),
        "visa_h_response": visa_h,
        "visa_h_total": visa_h.total if visa_h else findings.get("visa_h"),
        "red_flags": red_flags,
        "top": view.get("top"),
        "rule_out": view.get("rule_out") or [],
        "differentials": view.get("listed") or [],
        "unlikely": view.get("unlikely") or [],
        "risk_factors": view.get("risk_factors") or [],
        "withheld": view.get("withheld") or [],
        "probability": probability,
        "stage": view.get("stage"),
        "open_flags": view.get("open_flags") or [],
        "working_diagnosis": assessment.working_diagnosis_text
        or DIAGNOSIS_NAMES.get(assessment.working_diagnosis, ""),
        "rules_version": evaluation.get("rules_version") or assessment.rules_version,
    }


def render_pdf(context: dict[str, Any]) -> bytes:
    html = render_to_string("exports/summary_pdf.html", context)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesOnly()).write_pdf()
