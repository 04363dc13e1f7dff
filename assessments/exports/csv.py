"""The assessments CSV: one row per assessment, streamed, safe to open in a spreadsheet.

The columns (documented in docs/exports.md) come from the findings vocabulary, so a new finding
becomes a new column without editing this module:

- identifiers, dates, clinician, status and version of the assessment;
- one column per ``FINDINGS`` key in vocabulary order (``imaging`` becomes one column per
  imaging field, ``imaging_<field>``), read from the evaluated snapshot. An absent key (not
  asked / not examined) is an empty cell, ``False`` is ``no``, ``True`` is ``yes``, and lists
  are joined with ``;``;
- the reasoning summary: top differential, stage, post-test probability, VISA-H, red flags and
  the action taken, signature and rules version.

Rows are read with ``values_list(...).iterator(chunk_size=...)`` so memory stays flat however
many rows there are. Every cell goes through :func:`neutralise`: a cell that a spreadsheet
would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets
a leading single quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from assessments.models import Assessment, VisaHResponse
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 file as such only when it starts with a byte-order mark.
BOM = "\ufeff"

FINDING_KEYS: tuple[str, ...] = tuple(spec.key for spec in FINDINGS if spec.key != "imaging")
IMAGING_KEYS: tuple[str, ...] = tuple(spec.key for spec in IMAGING_FINDINGS)

LEADING_COLUMNS: tuple[str, ...] = (
    "assessment_id",
    "patient_identifier",
    "assessed_on",
    "created_at",
    "clinician",
    "status",
    "version",
    "amends_assessment_id",
)
TRAILING_COLUMNS: tuple[str, ...] = (
    "top_differential",
    "top_differential_level",
    "stage",
    "post_test_probability",
    "visa_h_questionnaire_total",
    "red_flags",
    "red_flag_urgency",
    "red_flag_action",
    "working_diagnosis",
    "working_diagnosis_text",
    "signed_at",
    "signed_by",
    "rules_version",
)
COLUMNS: tuple[str, ...] = (
    *LEADING_COLUMNS,
    *FINDING_KEYS,
    *(f"imaging_{key}" for key in IMAGING_KEYS),
    *TRAILING_COLUMNS,
)

# What the query reads, in the order ``_row`` unpacks it.
_FIELDS = (
    "id",
    "patient__identifier",
    "assessed_on",
    "created_at",
    "clinician__username",
    "status",
    "version",
    "amends_id",
    "evaluated_findings",
    "top_diagnosis",
    "top_level",
    "stage",
    "post_test_probability",
    "visa_h_total",
    "red_flags",
    "red_flag_urgency",
    "red_flag_action",
    "working_diagnosis",
    "working_diagnosis_text",
    "signed_at",
    "signed_by__username",
    "rules_version",
)


def neutralise(text: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value: Any) -> str:
    """One value as CSV text: absent is empty, booleans yes/no, lists joined with ';'."""
    if value is None:
        text = ""
    elif value is True:
        text = "yes"
    elif value is False:
        text = "no"
    elif isinstance(value, list | tuple):
        text = ";".join(cell(item) for item in value)
    elif isinstance(value, datetime.datetime):
        text = timezone.localtime(value).isoformat(timespec="seconds")
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
    else:
        text = str(value)
    return neutralise(text)


def export_queryset(assessments: QuerySet[Assessment]) -> QuerySet:
    """The rows to export as plain tuples (``_FIELDS`` order), oldest assessment first."""
    latest_visa_h = (
        VisaHResponse.objects.filter(assessment=OuterRef("pk"))
        .order_by("-completed_on", "-created_at")
        .values("total")[:1]
    )
    # Summary columns (top_level, red_flags) are read instead of the evaluation snapshot:
    # unpacking a 10 kB JSON document per row dominated the export's database time.
    return (
        assessments.order_by("assessed_on", "created_at", "id")
        .annotate(visa_h_total=Subquery(latest_visa_h))
        .values_list(*_FIELDS)
    )


_FINDINGS_AT = _FIELDS.index("evaluated_findings")
_BEFORE_FINDINGS = range(_FINDINGS_AT)
_AFTER_FINDINGS = range(_FINDINGS_AT + 1, len(_FIELDS))


def _row(values: tuple) -> list[str]:
    """One CSV row from a ``_FIELDS`` tuple, by position (no per-row dict)."""
    findings = values[_FINDINGS_AT] or {}
    imaging = findings.get("imaging") or {}
    return [
        *(cell(values[i]) for i in _BEFORE_FINDINGS),
        *(cell(findings.get(key)) for key in FINDING_KEYS),
        *(cell(imaging.get(key)) for key in IMAGING_KEYS),
        *(cell(values[i]) for i in _AFTER_FINDINGS),
    ]


class _Echo:
    """A file-like object whose write returns the line, so csv.writer feeds a generator."""

    def write(self, value: str) -> str:
        return value


LINES_PER_CHUNK = 500


def stream(rows: Iterable[tuple], *, bom: bool = True) -> Iterator[str]:
    """The CSV text in chunks of LINES_PER_CHUNK lines (one network write each), header first."""
    writer = csv.writer(_Echo())
    yield (BOM if bom else "") + writer.writerow(COLUMNS)
    lines: list[str] = []
    for values in rows:
        lines.append(writer.writerow(_row(values)))
        if len(lines) >= LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def stream_assessments(assessments: QuerySet[Assessment], *, bom: bool = True) -> Iterator[str]:
    """Stream ``assessments`` (already scoped and filtered) as CSV lines."""
    rows = export_queryset(assessments).iterator(chunk_size=CHUNK_SIZE)
    return stream(rows, bom=bom)
