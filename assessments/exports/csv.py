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
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, connections
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


_FORMULA_FIRST = frozenset(prefix[0] for prefix in FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula."""
    return "'" + text if text and text[0] in _FORMULA_FIRST else text


def _join(value: list | tuple) -> str:
    return ";".join(cell(item) for item in value)


def _datetime(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _float(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


# Text for each exact type; anything else is str(). Checked by type, not isinstance, because
# this runs for every cell of every row (bool is handled before the table is consulted).
_TEXT = {
    str: str,
    list: _join,
    tuple: _join,
    datetime.datetime: _datetime,
    datetime.date: datetime.date.isoformat,
    float: _float,
}


def cell(value: Any) -> str:
    """One value as CSV text: absent is empty, booleans yes/no, lists joined with ';'."""
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return neutralise(_TEXT.get(type(value), str)(value))


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
    """One CSV row from a ``_FIELDS`` tuple, by position (no per-row dict).

    Most findings cells are absent, yes or no; those are written directly (exactly what
    ``cell`` would give) because ``cell`` for ~70 columns was most of the export's time.
    """
    findings = values[_FINDINGS_AT] or {}
    imaging = findings.get("imaging") or {}
    out = [cell(values[i]) for i in _BEFORE_FINDINGS]
    append = out.append
    for source, keys in ((findings, FINDING_KEYS), (imaging, IMAGING_KEYS)):
        get = source.get
        for key in keys:
            value = get(key)
            if value is None:
                append("")
            elif value is True:
                append("yes")
            elif value is False:
                append("no")
            else:
                append(cell(value))
    out.extend(cell(values[i]) for i in _AFTER_FINDINGS)
    return out


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
    queryset = export_queryset(assessments)
    if _can_prefetch():
        return stream(_prefetched(queryset), bom=bom)
    return stream(queryset.iterator(chunk_size=CHUNK_SIZE), bom=bom)


# --- Overlapping the database with formatting --------------------------------------------
#
# Fetching a row (~20 us) and formatting it (~25 us) each take about half the export's time.
# On PostgreSQL, outside a transaction, a background thread reads the next chunks on its own
# connection while this one formats, so both cores work. Inside a transaction (tests, or a
# caller's atomic block) a second connection would not see the same snapshot, so the rows
# are read in line instead.

PREFETCH_CHUNKS = 2  # at most this many chunks wait in memory: memory stays flat
_PUT_TIMEOUT = 0.5  # seconds between checks that the reader is still wanted


def _can_prefetch() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _prefetched(queryset: QuerySet) -> Iterator[tuple]:
    chunks: queue.Queue = queue.Queue(maxsize=PREFETCH_CHUNKS)
    stop = threading.Event()
    done = object()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=_PUT_TIMEOUT)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            batch = []
            for row in queryset.iterator(chunk_size=CHUNK_SIZE):
                batch.append(row)
                if len(batch) >= CHUNK_SIZE:
                    if not offer(batch):
                        return
                    batch = []
            if batch:
                offer(batch)
            offer(done)
        except Exception as error:  # handed to the consumer, which re-raises it
            offer(error)
        finally:
            connections.close_all()  # this thread's own connection

    reader = threading.Thread(target=read, name="csv-export-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = chunks.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield from item
    finally:
        # Also reached when the client goes away and the response is closed early.
        stop.set()
        reader.join(timeout=10)
