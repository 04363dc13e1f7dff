"""The assessments CSV: one row per assessment, streamed, safe to open in a spreadsheet.

The columns (documented in docs/exports.md) come from the findings vocabulary, so a new finding
becomes a new column without editing this module:

- identifiers, dates, clinician, status and version of the assessment;
- one column per ``FINDINGS`` key of the first vocabulary in vocabulary order (``imaging``
  becomes one column per imaging field, ``imaging_<field>``), read from the evaluated snapshot.
  An absent key (not asked / not examined) is an empty cell, ``False`` is ``no``, ``True`` is
  ``yes``, and lists are joined with ``;``;
- the reasoning summary: top differential, stage, post-test probability, VISA-H, red flags and
  the action taken, signature and rules version;
- then the findings added to the vocabulary later (``FindingSpec.since``), findings first and
  imaging after, so every column an earlier export had keeps its place.

Every cell goes through :func:`neutralise`: a cell that a spreadsheet would read as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading single quote
(OWASP "CSV injection"). Numbers keep at most four decimals; rows end with a line feed.

Two writers give the same bytes, and memory stays flat however many rows there are:

- on PostgreSQL the database builds the cells and writes the lines (``COPY``, at the end of
  this module), on two connections at once: about 50,000 rows/s on a 2-core machine, where
  Python's per-row work capped the export near 20,000;
- elsewhere (SQLite) :func:`stream` formats ``values_list(...).iterator(chunk_size=...)`` rows.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import decimal
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg2.extensions
from django.conf import settings
from django.db import connections
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from assessments.models import Assessment, VisaHResponse
from pht.rules.findings import FINDINGS, FIRST_VERSION, IMAGING_FINDINGS

CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a UTF-8 file as such only when it starts with a byte-order mark.
BOM = "\ufeff"

FINDING_KEYS: tuple[str, ...] = tuple(
    spec.key for spec in FINDINGS if spec.key != "imaging" and spec.since == FIRST_VERSION
)
IMAGING_KEYS: tuple[str, ...] = tuple(
    spec.key for spec in IMAGING_FINDINGS if spec.since == FIRST_VERSION
)
# Added to the vocabulary later: appended after the trailing columns, in vocabulary order.
ADDED_FINDING_KEYS: tuple[str, ...] = tuple(
    spec.key for spec in FINDINGS if spec.key != "imaging" and spec.since != FIRST_VERSION
)
ADDED_IMAGING_KEYS: tuple[str, ...] = tuple(
    spec.key for spec in IMAGING_FINDINGS if spec.since != FIRST_VERSION
)

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
    "red_flag_screen_reason",
)
COLUMNS: tuple[str, ...] = (
    *LEADING_COLUMNS,
    *FINDING_KEYS,
    *(f"imaging_{key}" for key in IMAGING_KEYS),
    *TRAILING_COLUMNS,
    *ADDED_FINDING_KEYS,
    *(f"imaging_{key}" for key in ADDED_IMAGING_KEYS),
)

# What the query reads, in the order ``_row`` unpacks it, with the kind of value each is (which
# tells the COPY path below how PostgreSQL should write it).
_FIELD_KINDS: dict[str, str] = {
    "id": "uuid",
    "patient__identifier": "text",
    "assessed_on": "date",
    "created_at": "datetime",
    "clinician__username": "text",
    "status": "text",
    "version": "int",
    "amends_id": "uuid",
    "evaluated_findings": "findings",
    "top_diagnosis": "text",
    "top_level": "text",
    "stage": "text",
    "post_test_probability": "float",
    "visa_h_total": "int",
    "red_flags": "text",
    "red_flag_urgency": "text",
    "red_flag_action": "text",
    "working_diagnosis": "text",
    "working_diagnosis_text": "text",
    "signed_at": "datetime",
    "signed_by__username": "text",
    "rules_version": "text",
    "red_flag_screen_reason": "text",
}
_FIELDS = tuple(_FIELD_KINDS)


_FORMULA_FIRST = frozenset(prefix[0] for prefix in FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix a single quote to a cell a spreadsheet would run as a formula."""
    return "'" + text if text and text[0] in _FORMULA_FIRST else text


def _join(value: list | tuple) -> str:
    return ";".join(cell(item) for item in value)


def _datetime(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


# Enough digits for any float's 4-decimal rounding (the largest float has 309 digits).
_DECIMALS = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP)
_FOUR_PLACES = decimal.Decimal("0.0001")


def _float(value: float) -> str:
    """Four decimals at most, trailing zeros dropped: 0.5 -> "0.5", 0.90243902 -> "0.9024".

    Rounded half away from zero from the shortest decimal that reads back as the same float
    (``repr``), as a person would round the number they see: 0.00015 -> "0.0002". This is
    also what PostgreSQL's ``round(numeric, 4)`` does, so both CSV paths agree.
    """
    rounded = decimal.Decimal(repr(value)).quantize(_FOUR_PLACES, context=_DECIMALS)
    text = format(rounded, "f").rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


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


# Which linked VISA-H response's total an assessment's row shows: the latest.
_LATEST_VISA_H_FIRST = ("-completed_on", "-created_at")


def export_queryset(assessments: QuerySet[Assessment]) -> QuerySet:
    """The rows to export as plain tuples (``_FIELDS`` order), oldest assessment first."""
    latest_visa_h = (
        VisaHResponse.objects.filter(assessment=OuterRef("pk"))
        .order_by(*_LATEST_VISA_H_FIRST)
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
    _finding_cells(out, findings, imaging, FINDING_KEYS, IMAGING_KEYS)
    out.extend(cell(values[i]) for i in _AFTER_FINDINGS)
    _finding_cells(out, findings, imaging, ADDED_FINDING_KEYS, ADDED_IMAGING_KEYS)
    return out


def _finding_cells(out: list[str], findings: dict, imaging: dict, keys, imaging_keys) -> None:
    append = out.append
    for source, source_keys in ((findings, keys), (imaging, imaging_keys)):
        get = source.get
        for key in source_keys:
            value = get(key)
            if value is None:
                append("")
            elif value is True:
                append("yes")
            elif value is False:
                append("no")
            else:
                append(cell(value))


class _Echo:
    """A file-like object whose write returns the line, so csv.writer feeds a generator."""

    def write(self, value: str) -> str:
        return value


LINES_PER_CHUNK = 500
# Rows end with a line feed, as PostgreSQL's COPY writes them (spreadsheets read either ending).
LINE_END = "\n"


def stream(rows: Iterable[tuple], *, bom: bool = True) -> Iterator[str]:
    """The CSV text in chunks of LINES_PER_CHUNK lines (one network write each), header first."""
    writer = csv.writer(_Echo(), lineterminator=LINE_END)
    yield (BOM if bom else "") + writer.writerow(COLUMNS)
    lines: list[str] = []
    for values in rows:
        lines.append(writer.writerow(_row(values)))
        if len(lines) >= LINES_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def stream_assessments(assessments: QuerySet[Assessment], *, bom: bool = True) -> Iterator[bytes]:
    """Stream ``assessments`` (already scoped and filtered) as UTF-8 CSV, header first.

    On PostgreSQL the rows are built by the database (``COPY``, below); elsewhere by
    :func:`stream`. Both give the same bytes (``tests/exports/test_csv_copy.py``).
    """
    if connections[assessments.db].vendor == "postgresql":
        return _copy_stream(assessments, bom=bom)
    rows = export_queryset(assessments).iterator(chunk_size=CHUNK_SIZE)
    return (text.encode() for text in stream(rows, bom=bom))


# --- PostgreSQL: the rows built by the database -----------------------------------------
#
# Fetching a row into Python (~20 us) and formatting it (~25 us) capped the export near
# 20,000 rows/s on one core. On PostgreSQL the cells are built in SQL instead, by the rules
# ``cell`` and ``_row`` follow (absent empty, yes/no, lists joined with ';', four decimals,
# local ISO datetimes, formula prefixes neutralised), and ``COPY (SELECT ...) TO STDOUT WITH
# (FORMAT csv)`` writes the lines: Python only passes blocks of bytes on. PostgreSQL writes an
# empty cell for NULL and ``""`` for an empty string, so every empty cell is made NULL.
#
# Findings cells are built by the finding's kind (``pht.rules.findings``), which validation
# guarantees for every stored snapshot: a bool finding holds true/false, a number a number,
# and so on. Python's writer goes by the value's type; on validated findings the two agree,
# which ``tests/exports/test_csv_copy.py`` checks byte for byte.
#
# psycopg2's ``copy_expert`` writes the whole result into a file object before it returns,
# so each COPY runs on a reader thread that hands blocks over a bounded queue (memory stays
# flat) while the response streams them. One PostgreSQL backend building rows was the
# limit (~30,000 rows/s on this project's 2-core bench machine), so outside a transaction
# the export is cut into ranges of RANGE_ROWS rows in export order, dealt in turn to
# settings.CSV_EXPORT_CONNECTIONS readers (2 by default): the request's own connection, in
# a REPEATABLE READ READ ONLY transaction that exports its snapshot, and new connections
# that import it, so every range is read as of the same moment (pg_dump's parallel workers do the same). The response takes
# the ranges back in order. Inside a caller's transaction (tests, an atomic block) other
# connections could not see its rows, so one reader copies everything in a savepoint of it.
# The request thread does not touch its connection until the readers are done; when the
# download is abandoned their queries are cancelled and their transactions rolled back.

COPY_BLOCK_BYTES = 256 * 1024  # one network write
# At most this many blocks wait per reader (4 MB): room for one whole range, so a reader can
# build its next range while another's streams. Memory is bounded by this, not by the rows.
COPY_QUEUE_BLOCKS = 16
RANGE_ROWS = 5000  # rows per COPY range (~2 MB of CSV)
_PUT_TIMEOUT = 0.5  # seconds between checks that the download is still wanted

# Shortest exact float text (as repr); datetimes in the local zone (``%s``); no JIT:
# compiling the ~100 cell expressions took 9 s, longer than running them for 300,000 rows.
_COPY_SETTINGS = "SET LOCAL extra_float_digits = 1; SET LOCAL jit = off; SET LOCAL TIME ZONE %s"


# The first characters ``neutralise`` quotes, as code points: ``ascii()`` gives the first
# character's code point (0 for an empty string) without building a string, which made the
# export ~10% faster than ``left(text, 1) IN (...)``.
_SQL_FORMULA_FIRST = ", ".join(str(ord(char)) for char in sorted(_FORMULA_FIRST))


def _sql_neutralise(text: str) -> str:
    return f"CASE WHEN ascii({text}) IN ({_SQL_FORMULA_FIRST}) THEN '''' || {text} ELSE {text} END"


def _sql_number(number: str) -> str:
    """``_float``/``str`` of a numeric: four decimals at most, rounded half away from zero."""
    return _sql_neutralise(f"trim_scale(round({number}, 4))::text")


def _sql_datetime(value: str) -> str:
    """``timezone.localtime(value).isoformat(timespec="seconds")``: 2026-07-20T14:03:05+01:00
    (the session's time zone is the local one during the copy)."""
    return f"to_char({value}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"


def _sql_column(column: str, kind: str) -> str:
    match kind:
        case "uuid":
            return f"{column}::text"
        case "text":
            return _sql_neutralise(column)
        case "date":
            return f"to_char({column}, 'YYYY-MM-DD')"
        case "datetime":
            return _sql_datetime(column)
        case "int":
            return _sql_number(f"{column}::numeric")
        case "float":
            # float8 -> text is the shortest exact decimal (extra_float_digits >= 1), as repr.
            return _sql_number(f"{column}::text::numeric")
    raise ValueError(f"no SQL for a {kind!r} column")  # pragma: no cover


_SQL_NUMBER_TEXT = r"'^-?[0-9]+(\.[0-9]+)?$'"
# A JSON list of lower-case identifiers, as every multi-choice finding's choices are
# (tests/exports/test_csv_copy.py checks the vocabulary): no quoting, nothing to neutralise.
_SQL_PLAIN_LIST = r"""'^\[("[a-z_]+"(, "[a-z_]+")*)?\]$'"""


def _sql_finding(value: str, kind: str) -> str:
    """The cell of one finding from its JSON text (``jsonb_to_record`` with text columns:
    strings unquoted, true/false, numbers in plain notation, lists as JSON arrays)."""
    as_text = _sql_neutralise(value)
    match kind:
        case "bool":
            return f"CASE {value} WHEN 'true' THEN 'yes' WHEN 'false' THEN 'no' ELSE {as_text} END"
        case "int" | "number":
            number = _sql_number(f"{value}::numeric")
            return f"CASE WHEN {value} ~ {_SQL_NUMBER_TEXT} THEN {number} ELSE {as_text} END"
        case "multi":
            # A list of plain choices (["a", "b"] -> a;b) by string functions; anything else
            # element by element (a subquery per row cost 0.9 s of a 300,000-row export).
            plain = f"replace(translate({value}, '[]\" ', ''), ',', ';')"
            item = _sql_neutralise("item.value")
            joined = (
                f"(SELECT string_agg(coalesce({item}, ''), ';' ORDER BY item.n) "
                f"FROM jsonb_array_elements_text({value}::jsonb) WITH ORDINALITY AS item(value, n))"
            )
            return (
                f"CASE WHEN {value} ~ {_SQL_PLAIN_LIST} THEN {plain} "
                f"WHEN left({value}, 1) = '[' THEN {joined} ELSE {as_text} END"
            )
    return as_text  # choice, test, text


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_KINDS = {spec.key: spec.kind for spec in (*FINDINGS, *IMAGING_FINDINGS)}


def _record(alias: str, keys: tuple[str, ...], source: str) -> tuple[str, list[str]]:
    """A LATERAL ``jsonb_to_record`` that unpacks ``keys`` of an object once per row."""
    columns = ", ".join(f"{_quoted(key)} text" for key in keys)
    obj = f"CASE WHEN jsonb_typeof({source}) = 'object' THEN {source} END"
    join = f"LEFT JOIN LATERAL jsonb_to_record({obj}) AS {alias}({columns}) ON true"
    cells = [_sql_finding(f"{alias}.{_quoted(key)}", _KINDS[key]) for key in keys]
    return join, cells


def _latest_visa_h_join(assessment_id: str) -> str:
    """The latest linked VISA-H total, as ``export_queryset``'s subquery, joined once per row."""
    meta = VisaHResponse._meta

    def column(name: str) -> str:
        return "v." + _quoted(meta.get_field(name).column)

    order = ", ".join(
        f"{column(name.lstrip('-'))} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in _LATEST_VISA_H_FIRST
    )
    return (
        f"LEFT JOIN LATERAL (SELECT {column('total')} AS total FROM {_quoted(meta.db_table)} v "
        f"WHERE {column('assessment')} = {assessment_id} ORDER BY {order} LIMIT 1) "
        "AS visa_h ON true"
    )


_EXPORT_ORDER = ("assessed_on", "created_at", "id")


def copy_sql(
    assessments: QuerySet[Assessment], *, after: tuple | None = None, up_to: tuple | None = None
) -> tuple[str, list]:
    """The ``COPY ... TO STDOUT`` statement for ``assessments`` and its parameters.

    ``after`` and ``up_to`` are export-order keys (assessed_on, created_at, id): the rows
    strictly after the first and up to and including the second (one range of the export).
    """
    read = {f"c{i}": name for i, name in enumerate(_FIELDS) if name != "visa_h_total"}
    values = assessments.order_by().values(**{alias: F(name) for alias, name in read.items()})
    rows_sql, params = values.query.sql_with_params()
    column = {name: f"r.{alias}" for alias, name in read.items()}
    cells: list[str] = []
    added: list[str] = []  # the later vocabulary's cells, appended after the trailing columns
    joins = [_latest_visa_h_join(column["id"])]
    for name, kind in _FIELD_KINDS.items():
        if kind == "findings":
            findings = column[name]
            for join, record_cells, base in (
                (*_record("f", FINDING_KEYS + ADDED_FINDING_KEYS, findings), FINDING_KEYS),
                (
                    *_record("im", IMAGING_KEYS + ADDED_IMAGING_KEYS, f"({findings} -> 'imaging')"),
                    IMAGING_KEYS,
                ),
            ):
                joins.append(join)
                cells.extend(record_cells[: len(base)])
                added.extend(record_cells[len(base) :])
        elif name == "visa_h_total":
            cells.append(_sql_column("visa_h.total", kind))
        else:
            cells.append(_sql_column(column[name], kind))
    # Added findings first, then added imaging, as COLUMNS lists them.
    added_findings = added[: len(ADDED_FINDING_KEYS)]
    added_imaging = added[len(ADDED_FINDING_KEYS) :]
    cells.extend(added_findings + added_imaging)
    order = ", ".join(column[name] for name in _EXPORT_ORDER)
    bounds, bound_params = [], []
    for operator, key in ((">", after), ("<=", up_to)):
        if key is not None:
            bounds.append(f"({order}) {operator} (%s, %s, %s)")
            bound_params.extend(key)
    where = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    nullable = ", ".join(f"NULLIF({cell}, '')" for cell in cells)
    select = f"SELECT {nullable} FROM ({rows_sql}) AS r {' '.join(joins)}{where} ORDER BY {order}"
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", [*params, *bound_params]


def range_bounds_sql(assessments: QuerySet[Assessment], every: int) -> tuple[str, list]:
    """The export-order keys of every ``every``-th row: the ends of the export's ranges."""
    keys = assessments.order_by().values_list(*_EXPORT_ORDER)
    rows_sql, params = keys.query.sql_with_params()
    order = "r.assessed_on, r.created_at, r.id"
    numbered = f"SELECT {order}, row_number() OVER (ORDER BY {order}) AS n FROM ({rows_sql}) AS r"
    sql = f"SELECT assessed_on, created_at, id FROM ({numbered}) AS k WHERE n %% %s = 0 ORDER BY n"
    return sql, [*params, every]


class _Blocks:
    """The file object ``copy_expert`` writes lines to: gathers them into blocks for the queue."""

    def __init__(self, offer) -> None:
        self.offer = offer
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        self.parts.append(data)
        self.size += len(data)
        if self.size >= COPY_BLOCK_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.offer(b"".join(self.parts))
            self.parts, self.size = [], 0


_END_OF_RANGE = object()


class _Reader(threading.Thread):
    """Runs the COPY of its ranges, one after another, on one connection, and hands the
    lines over as blocks with a marker after each range. The transaction (or savepoint) the
    copies run in is open before the thread starts; ``end`` closes it, whatever happens."""

    def __init__(self, name, raw, end, statements, abandoned, *, close=False) -> None:
        super().__init__(name=name, daemon=True)
        self.raw, self.end = raw, end
        self.statements = statements
        self.abandoned = abandoned
        self.close_connection = close
        self.blocks: queue.Queue = queue.Queue(maxsize=COPY_QUEUE_BLOCKS)

    def offer(self, item) -> bool:
        while not self.abandoned.is_set():
            try:
                self.blocks.put(item, timeout=_PUT_TIMEOUT)
                return True
            except queue.Full:
                continue
        return False  # the download was abandoned: drop the rest

    def run(self) -> None:
        try:
            with self.raw.cursor() as cursor:
                try:
                    for statement in self.statements:
                        sink = _Blocks(self.offer)
                        cursor.copy_expert(statement, sink)
                        sink.flush()
                        if not self.offer(_END_OF_RANGE):
                            return
                finally:
                    _end_transaction(self.raw, cursor, self.end, close=self.close_connection)
        except Exception as error:  # handed to the response, which raises it
            self.offer(error)

    def cancel(self) -> None:
        self.abandoned.set()
        with contextlib.suppress(Exception):
            self.raw.cancel()


def _end_transaction(raw, cursor, end: str, *, close: bool) -> None:
    """Close the copy's transaction or savepoint; a connection left in a transaction (the
    statement itself failed) is closed, and Django opens a new one when next needed."""
    try:
        cursor.execute(end)
    finally:
        in_transaction = raw.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE
        if close or (end == "ROLLBACK" and in_transaction):
            raw.close()


def _mogrify(raw, sql: str, params) -> bytes:
    with raw.cursor() as cursor:
        return cursor.mogrify(sql, params)


def _serial_readers(db, assessments, set_local) -> list[_Reader]:
    """Inside the caller's transaction: one reader on this connection, in a savepoint (a
    second connection would not see the transaction's own rows)."""
    raw = db.connection
    sql, params = copy_sql(assessments)
    savepoint = "SAVEPOINT pht_csv_copy"
    release = "ROLLBACK TO SAVEPOINT pht_csv_copy; RELEASE SAVEPOINT pht_csv_copy"
    statements = [_mogrify(raw, sql, params)]
    with raw.cursor() as cursor:
        for statement in (savepoint, *set_local):
            cursor.execute(statement)
    return [_Reader("csv-export-copy-0", raw, release, statements, threading.Event())]


def _parallel_readers(db, assessments, set_local) -> list[_Reader]:
    """Ranges of RANGE_ROWS rows, dealt in turn to CSV_EXPORT_CONNECTIONS connections that share
    one snapshot (``pg_export_snapshot``), as pg_dump's parallel workers do: every row is
    read as of the same moment, and each range is built while the one before it streams."""
    raw = db.connection
    extra = []  # the other readers' connections
    with raw.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            for statement in set_local:  # before the range query too (no JIT for it either)
                cursor.execute(statement)
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(*range_bounds_sql(assessments, RANGE_ROWS))
            keys = [None, *cursor.fetchall(), None]
            ranges = [
                _mogrify(raw, *copy_sql(assessments, after=keys[i], up_to=keys[i + 1]))
                for i in range(len(keys) - 1)
            ]
            count = min(settings.CSV_EXPORT_CONNECTIONS, len(ranges))
            # The others import the snapshot now, while this transaction is surely open (it
            # ends when its reader is done, which may be before another reader starts).
            for _ in range(count - 1):
                other = db.get_new_connection(db.get_connection_params())
                extra.append(other)
                other.autocommit = True
                with other.cursor() as other_cursor:
                    other_cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    other_cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                    for statement in set_local:
                        other_cursor.execute(statement)
        except BaseException:
            with contextlib.suppress(Exception):  # the first error is the one to report
                cursor.execute("ROLLBACK")
            for other in extra:
                other.close()
            raise
    abandoned = threading.Event()
    readers = [_Reader("csv-export-copy-0", raw, "ROLLBACK", ranges[0::count], abandoned)]
    for number, other in enumerate(extra, start=1):
        name = f"csv-export-copy-{number}"
        statements = ranges[number::count]
        readers.append(_Reader(name, other, "ROLLBACK", statements, abandoned, close=True))
    return readers


def _copy_stream(assessments: QuerySet[Assessment], *, bom: bool) -> Iterator[bytes]:
    header = csv.writer(_Echo(), lineterminator=LINE_END).writerow(COLUMNS)
    yield ((BOM if bom else "") + header).encode()

    db = connections[assessments.db]
    db.ensure_connection()
    set_local = [_mogrify(db.connection, _COPY_SETTINGS, [timezone.get_current_timezone_name()])]
    if db.in_atomic_block:
        readers = _serial_readers(db, assessments, set_local)
    else:
        readers = _parallel_readers(db, assessments, set_local)
    ranges = sum(len(reader.statements) for reader in readers)
    for reader in readers:
        reader.start()
    complete = False
    try:
        turn = 0
        while turn < ranges:
            item = readers[turn % len(readers)].blocks.get()
            if item is _END_OF_RANGE:
                turn += 1
            elif isinstance(item, Exception):
                raise item
            else:
                yield item
        complete = True
    finally:
        if not complete:  # the client went away, or a reader failed: stop the others
            for reader in readers:
                reader.cancel()
        for reader in readers:
            reader.join()
