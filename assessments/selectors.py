"""Read-side queries for patient pages. Each returns a bounded, pre-joined queryset.

The scoped lookups come first: every view reads patients, assessments and VISA-H responses
through ``*_for(request)`` / ``get_*_for(request, id)``, which keep to the user's active clinic
(``pht.access``) and answer 404 for anything else, so another clinic's records are
indistinguishable from records that do not exist.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Lower
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from assessments import charts, duplicates, search
from assessments.models import Assessment, NotDuplicate, Patient, PatientImport, VisaHResponse
from pht.access import require_membership
from pht.models import AccessLog, Clinic
from pht.rules.findings import FINDINGS


def patients_for(request: HttpRequest) -> QuerySet[Patient]:
    """The patients of the user's active clinic (archived included; callers filter)."""
    membership = require_membership(request)
    return Patient.objects.filter(clinic_id=membership.clinic_id)


def get_patient_for(request: HttpRequest, patient_id) -> Patient:
    """One patient of the user's clinic, or 404."""
    return get_object_or_404(patients_for(request), pk=patient_id)


def patient_imports_for(request: HttpRequest) -> QuerySet[PatientImport]:
    """The CSV imports of the user's active clinic."""
    membership = require_membership(request)
    return PatientImport.objects.filter(clinic_id=membership.clinic_id).select_related(
        "uploaded_by", "committed_by"
    )


def get_patient_import_for(request: HttpRequest, import_id) -> PatientImport:
    """One CSV import of the user's clinic, or 404."""
    return get_object_or_404(patient_imports_for(request), pk=import_id)


def assessments_for(request: HttpRequest) -> QuerySet[Assessment]:
    """The assessments of the user's active clinic, with the joins every page needs."""
    membership = require_membership(request)
    return Assessment.objects.filter(clinic_id=membership.clinic_id).select_related(
        "patient", "clinician", "signed_by", "amends"
    )


def get_assessment_for(request: HttpRequest, assessment_id) -> Assessment:
    """One assessment of the user's clinic, or 404."""
    return get_object_or_404(assessments_for(request), pk=assessment_id)


def get_visa_h_for(request: HttpRequest, response_id) -> VisaHResponse:
    """One VISA-H response of the user's clinic, or 404."""
    membership = require_membership(request)
    return get_object_or_404(
        VisaHResponse.objects.filter(clinic_id=membership.clinic_id).select_related(
            "patient", "assessment", "recorded_by"
        ),
        pk=response_id,
    )


# --- The patient list: search, columns, sorting ---------------------------------------------

SORTS = ("name", "-name", "identifier", "-identifier", "-last_seen")


def search_patients(
    patients: QuerySet[Patient],
    query: str | search.Query,
    *,
    archived: bool | None,
    sort: str = "name",
    clinic_id=None,
) -> "QuerySet[Patient] | RecentlySeen":
    """The patients matching a search box's text, with the list's columns, in ``sort`` order
    (a queryset, or for "-last_seen" of one clinic a ``RecentlySeen``: both can be sliced).

    ``archived``: True for archived patients only, False for active ones, None for both. The
    text is read by ``assessments.search.parse_query``: each word must be part of the
    patient's folded names or identifier (``search_name``), each date is a date of birth,
    each phone number part of the stored one. A text with a part that cannot be read (a date
    that does not exist) matches nobody; the form says why.
    """
    if archived is not None:
        patients = patients.filter(archived_at__isnull=not archived)
    parsed = query if isinstance(query, search.Query) else search.parse_query(query)
    if parsed.errors:
        return patients.none()
    for word in parsed.words:
        patients = patients.filter(search_name__contains=word)
    for day in parsed.dates:
        patients = patients.filter(date_of_birth=day)
    for phone in parsed.phones:
        # A long number may also be a numeric identifier (in ``search_name``).
        patients = patients.filter(
            Q(phone_digits__contains=phone.national) | Q(search_name__contains=phone.digits)
        )
    if sort == "-last_seen" and clinic_id is not None and not _few(patients, parsed):
        return RecentlySeen(patients, clinic_id=clinic_id)
    return _sorted(_with_list_columns(patients), sort, selective=parsed.is_selective)


# Up to this many matches, sorting them by their computed last seen is cheaper than walking
# the clinic's assessments ("harri", 1,500 of 100,000 patients: ~25 ms).
FEW_MATCHES = 2000


def _few(patients: QuerySet[Patient], parsed: search.Query) -> bool:
    """Whether a selective search matches few patients (one bounded query: a word of three
    letters can still match everyone, as "sc-00" does the scale data's identifiers)."""
    if not parsed.is_selective:
        return False
    return len(patients.values_list("pk", flat=True)[: FEW_MATCHES + 1]) <= FEW_MATCHES


def _with_list_columns(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Last seen (the latest assessment or rehab review date) and the newest rehab plan's
    stage, each a subquery the database runs for the rows of the page only.

    Rehab's tables are reached through the reverse relation names (``rehab_plans``,
    ``reviews``), so this app imports nothing from rehab (tests/pht/test_import_graph.py).
    A patient's newest plan is their open plan: plans are not closed in this version.
    """
    assessed = (
        Assessment.objects.filter(patient_id=OuterRef("pk"))
        .order_by("-assessed_on")
        .values("assessed_on")[:1]
    )
    reviewed = (
        Patient.objects.filter(pk=OuterRef("pk"), rehab_plans__reviews__isnull=False)
        .order_by("-rehab_plans__reviews__reviewed_on")
        .values("rehab_plans__reviews__reviewed_on")[:1]
    )
    plan_stage = (
        Patient.objects.filter(pk=OuterRef("pk"), rehab_plans__isnull=False)
        .order_by("-rehab_plans__created_at")
        .values("rehab_plans__current_stage")[:1]
    )
    return patients.annotate(
        last_seen=_Latest(
            Subquery(assessed, output_field=DateField()),
            Subquery(reviewed, output_field=DateField()),
            output_field=DateField(),
        ),
        plan_stage=Subquery(plan_stage, output_field=PositiveSmallIntegerField()),
    )


class _Latest(Func):
    """The later of two dates, either of which may be NULL: PostgreSQL's GREATEST ignores
    NULLs; SQLite's MAX() is NULL when any argument is, so there each falls back to the other
    (which runs each subquery twice: PostgreSQL runs each once)."""

    function = "GREATEST"
    arity = 2

    def as_sqlite(self, compiler, connection, **extra_context):
        first, second = self.get_source_expressions()
        latest = Func(
            Coalesce(first, second),
            Coalesce(second, first),
            function="MAX",
            output_field=self.output_field,
        )
        return compiler.compile(latest)


# Most recently seen first; never seen last, by name. Every row has a place.
LAST_SEEN_ORDER = (
    F("last_seen").desc(nulls_last=True),
    F("family_name").asc(),
    F("given_name").asc(),
    F("id").asc(),
)


def _sorted(patients: QuerySet[Patient], sort: str, *, selective: bool) -> QuerySet[Patient]:
    """Order the list. Names and identifiers have indexes in list order; a selective search
    sorts by an expression no index provides (the same order), so that the planner uses the
    search's indexes and sorts their few matches: otherwise PostgreSQL walks the name index
    in order, filtering, betting that the matches are spread evenly (for "smith" it read
    60,000 rows, 65 ms, before the page was full)."""
    sort = sort if sort in SORTS else "name"
    if sort == "-last_seen":  # computed for every match: see RecentlySeen for a clinic
        return patients.order_by(*LAST_SEEN_ORDER)
    descending = sort.startswith("-")
    name = Concat("family_name", Value("")) if selective else F("family_name")
    identifier = Lower("identifier")
    if selective:
        identifier = Concat(identifier, Value(""))
    if sort.removeprefix("-") == "identifier":
        columns = [identifier, F("id")]
    else:
        columns = [name, F("given_name"), F("id")]
    return patients.order_by(*(c.desc() if descending else c.asc() for c in columns))


class RecentlySeen:
    """A clinic's patients (any filtered set), most recently seen first, sliced like a
    queryset, without working out "last seen" for every patient.

    Sorting by the computed last seen read every patient's latest assessment and review:
    1.5 s for 100,000 patients. Instead the clinic's assessments are walked newest first on
    their (clinic, date) index, keeping those of patients in the set, until the patients of
    this page and of every page before it have been met and every assessment of the last
    date reached (the cutoff) has been read. A patient's first assessment in the walk is
    their latest. Every patient seen since the cutoff is then known, with those whose rehab
    review falls after it (a plan starts from an assessment, so a reviewed patient has been
    assessed): they are ranked here, in Python, and only the page's rows are read with their
    columns. When the walk runs out, every patient ever seen is known, and those never seen
    follow, by name.

    Ties on a date are ordered by family name, given name and id as Python compares them.
    """

    # Assessments read per query: four per patient wanted (patients have ~3 each), and at
    # least a busy day's worth, as the walk reads every assessment of its last date.
    MIN_CHUNK, MAX_CHUNK = 400, 5000
    # Pages beyond this are clamped (page_of): page 100 is the 2,500 patients seen last.
    max_page = 100

    def __init__(self, patients: QuerySet[Patient], *, clinic_id):
        self.patients = patients
        self.clinic_id = clinic_id

    def __getitem__(self, window: slice) -> list[Patient]:
        start, stop = window.start or 0, window.stop
        seen, cutoff = self._walk(need=stop)
        self._add_reviews_since(seen, cutoff)
        ranked = sorted(seen, key=lambda pk: (-seen[pk][0].toordinal(), *seen[pk][1:], str(pk)))
        ids = ranked[start:stop]
        rows = self._rows(self.patients.filter(pk__in=ids), order=ids)
        if cutoff is None and len(rows) < stop - start:
            skip = max(0, start - len(ranked))
            never = self.patients.exclude(pk__in=ranked).order_by("family_name", "given_name", "id")
            rows += list(_with_list_columns(never)[skip : skip + stop - start - len(rows)])
        return rows

    @staticmethod
    def _rows(patients: QuerySet[Patient], *, order: list) -> list[Patient]:
        if not order:
            return []
        by_id = {p.pk: p for p in _with_list_columns(patients)}
        return [by_id[pk] for pk in order]

    def _walk(self, *, need: int) -> tuple[dict, datetime.date | None]:
        """The patients met walking the assessments newest first until ``need`` of them and
        every assessment on the last of their dates are read, each with (latest date, family
        name, given name), and that date (None when the assessments ran out first)."""
        rows = (
            Assessment.objects.filter(clinic_id=self.clinic_id)
            .filter(Exists(self.patients.filter(pk=OuterRef("patient_id"))))
            .order_by("-assessed_on", "-id")
            .values_list(
                "patient_id", "assessed_on", "id", "patient__family_name", "patient__given_name"
            )
        )
        chunk_size = min(max(4 * need, self.MIN_CHUNK), self.MAX_CHUNK)
        seen: dict = {}
        cutoff = None
        after: Q | None = None
        while True:
            chunk = list((rows.filter(after) if after else rows)[:chunk_size])
            for patient_id, day, _, family, given in chunk:
                if cutoff is not None and day < cutoff:
                    return seen, cutoff
                seen.setdefault(patient_id, (day, family, given))
                if cutoff is None and len(seen) >= need:
                    cutoff = day
            if len(chunk) < chunk_size:
                return seen, cutoff
            _, day, row_id, _, _ = chunk[-1]
            after = Q(assessed_on__lt=day) | Q(assessed_on=day, id__lt=row_id)

    def _add_reviews_since(self, seen: dict, cutoff: datetime.date | None) -> None:
        """Patients reviewed on or after the cutoff (ever, without one): seen then, whatever
        their assessments."""
        reviewed = self.patients.filter(rehab_plans__reviews__isnull=False)
        if cutoff is not None:
            reviewed = reviewed.filter(rehab_plans__reviews__reviewed_on__gte=cutoff)
        reviews = reviewed.values_list(
            "pk", "rehab_plans__reviews__reviewed_on", "family_name", "given_name"
        )
        for pk, day, family, given in reviews:
            if pk not in seen or day > seen[pk][0]:
                seen[pk] = (day, family, given)


IDENTIFIER_BATCH = 50


def free_identifier(clinic: Clinic) -> tuple[str, int]:
    """The clinic's first unused numbered identifier from its next number (``NS-0043``), and
    its number. Numbers typed by hand for other patients are skipped, whatever their case."""
    return free_identifiers(clinic, 1)[0]


# The most numbers looked up in one query when many are wanted (the CSV import).
IDENTIFIER_WINDOW = 2000


def free_identifiers(clinic: Clinic, count: int) -> list[tuple[str, int]]:
    """The clinic's first ``count`` unused numbered identifiers from its next number, in
    order, with their numbers (the CSV import numbers a whole chunk of patients at once)."""
    found: list[tuple[str, int]] = []
    start = clinic.next_identifier_number
    while len(found) < count:
        size = min(IDENTIFIER_WINDOW, max(IDENTIFIER_BATCH, count - len(found) + IDENTIFIER_BATCH))
        wanted = {clinic.identifier_for(n).lower(): n for n in range(start, start + size)}
        taken = set(
            Patient.objects.filter(clinic_id=clinic.pk)
            .annotate(lowered=Lower("identifier"))
            .filter(lowered__in=list(wanted))
            .values_list("lowered", flat=True)
        )
        for lowered, number in wanted.items():
            if lowered not in taken and len(found) < count:
                found.append((clinic.identifier_for(number), number))
        start += size
    return found


# Deep pages cost an OFFSET scan; nobody pages this far rather than searching.
MAX_PAGE = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list, found without counting the whole list (no total, no last page)."""

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(queryset: "QuerySet | RecentlySeen", page: str | None, *, per_page: int) -> Page:
    """The ``page``-th page of ``queryset`` (1 when missing or not a number), in one query
    (a ``RecentlySeen`` order takes a few, see there).

    It fetches one row more than a page to know whether a next page exists, instead of
    Django's Paginator, which runs ``COUNT(*)`` over every match to number the last page: at
    100,000 patients that count cost more than the page itself. A page past the end is empty
    (the template offers the first page). Deeper pages than the order allows are clamped to
    its last one, which offers no next page.
    """
    last = getattr(queryset, "max_page", MAX_PAGE)
    try:
        number = min(max(int(page or 1), 1), last)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(
        object_list=rows[:per_page], number=number, has_next=len(rows) > per_page and number < last
    )


_UNTRACKED = {"id", "created_at", "updated_at", "search_name", "phone_digits"}


def audit_trail(patient: Patient, *, limit: int = 50, merged_records=None) -> list[dict]:
    """The patient's changes (field history) and accesses, newest first, as plain rows.

    A record that others were merged into shows their rows too, each marked with the
    identifier it was written under: the access log is append-only and never rewritten, so
    its rows keep the patient they were written for (services.merge_patients).
    ``merged_records``: those records when the caller has read them already.
    """
    if merged_records is None:
        merged_records = list(patient.merged_records.all())
    merged = {record.pk: record.identifier for record in merged_records}
    rows = _change_rows(patient, limit, label="")
    for record in merged_records:
        rows += _change_rows(record, limit, label=record.identifier)
    accesses = AccessLog.objects.filter(patient_id__in=[patient.pk, *merged]).order_by(
        "-at", "-id"
    )[:limit]
    for entry in accesses:
        label = merged.get(entry.patient_id)
        rows.append(
            {
                "at": entry.at,
                "who": entry.username,
                "what": f"{entry.get_action_display()} {entry.object_type}"
                + (f" (as {label})" if label else ""),
                "detail": entry.detail,
                "ip": entry.ip_address or "",
            }
        )
    rows.sort(key=lambda row: row["at"], reverse=True)
    return rows[:limit]


_CHANGE_WORDS = {"+": "Record created", "~": "Record changed", "-": "Record deleted"}


def _change_rows(patient: Patient, limit: int, *, label: str) -> list[dict]:
    """One record's change-history rows, each with the fields it changed."""
    # One query for the changes: fetch one extra (older) row and diff neighbours in memory
    # rather than asking simple-history for each row's previous record.
    changes = list(
        patient.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    fields = [f for f in Patient._meta.concrete_fields if f.name not in _UNTRACKED]
    rows = []
    for record, older in zip(changes[:limit], [*changes[1:], None], strict=False):
        changed = []
        if older is not None:
            changed = [
                f.name for f in fields if getattr(record, f.attname) != getattr(older, f.attname)
            ]
        detail = ", ".join(changed)
        if record.history_change_reason:
            detail = f"{record.history_change_reason}" + (f" ({detail})" if detail else "")
        rows.append(
            {
                "at": record.history_date,
                "who": record.history_user.get_username() if record.history_user else "system",
                "what": _CHANGE_WORDS[record.history_type] + (f" (as {label})" if label else ""),
                "detail": detail,
                "ip": "",
            }
        )
    return rows


def assessment_versions(assessment: Assessment) -> list[Assessment]:
    """Every version of an assessment (the original and its amendments), oldest first.

    Only what the version links show: loading each version's 10 KB evaluation snapshot
    (TOASTed, compressed, parsed) cost a quarter of the assessment page's database time.
    """
    root_id = assessment.original_id or assessment.pk
    return list(
        Assessment.objects.filter(Q(pk=root_id) | Q(original_id=root_id))
        .only("id", "version", "status", "signed_at", "original_id")
        .order_by("version")
    )


RECORD_HISTORY_LIMIT = 30
RECORD_COLUMNS = (
    "id",
    "patient_id",
    "assessed_on",
    "created_at",
    "status",
    "version",
    "evaluated_findings",
    "top_diagnosis",
    "stage",
    "red_flag_urgency",
    "working_diagnosis",
    "working_diagnosis_text",
    "clinician__id",
    "clinician__username",
    "clinician__first_name",
    "clinician__last_name",
)


def patient_record(patient: Patient) -> dict:
    """Everything the record page shows, in a fixed number of queries whatever the history.

    The trends card adds the rehab app's reviews to ``measurements`` (a template tag of the
    rehab app, which this app never imports) and draws them with ``trends``.
    """
    # The snapshot (evaluation) and raw findings are ~10 kB each: the timeline reads only the
    # summary columns and the evaluated findings the trend charts need.
    assessments = list(
        patient.assessments.select_related("clinician")
        .only(*RECORD_COLUMNS)
        .order_by("-assessed_on", "-created_at")[:RECORD_HISTORY_LIMIT]
    )
    visa = list(
        patient.visa_h_responses.order_by("-completed_on", "-created_at")[:RECORD_HISTORY_LIMIT]
    )
    latest_signed = next((a for a in assessments if a.is_signed), None)
    return {
        "assessments": assessments,
        "visa_h_responses": visa,
        "latest_signed": latest_signed,
        "measurements": assessment_measurements(assessments, visa),
    }


# --- Trends: every outcome measure of the record, whichever visit recorded it -------------

MEASURES = ("pain_now", "pain_worst", "marker_pain", "sitting", "visa_h")


@dataclass(frozen=True)
class Measurement:
    """The outcome measures one visit recorded (None: not measured), for the record's trends.

    ``source`` names the visit in the table ("Assessment", "VISA-H questionnaire", "Progress
    review"); ``at`` (when it was recorded) decides between two visits of the same day.
    """

    day: datetime.date
    at: datetime.datetime
    source: str
    pain_now: int | None = None
    pain_worst: int | None = None
    marker_pain: int | None = None
    sitting: int | None = None
    visa_h: int | None = None


def assessment_measurements(assessments, responses) -> list[Measurement]:
    """The assessments' pain and sitting (one per day: the newest version recorded that day)
    and every VISA-H questionnaire. A total typed into the findings counts only where no
    questionnaire is linked to the assessment (the questionnaire is the same measurement)."""
    with_questionnaire = {r.assessment_id for r in responses if r.assessment_id}
    newest_of_day: dict[datetime.date, Assessment] = {}
    for a in sorted(assessments, key=lambda a: (a.assessed_on, a.created_at)):
        newest_of_day[a.assessed_on] = a
    rows = []
    for a in newest_of_day.values():
        findings = a.evaluated_findings or {}
        rows.append(
            Measurement(
                a.assessed_on,
                a.created_at,
                "Assessment",
                pain_now=findings.get("pain_nprs_now"),
                pain_worst=findings.get("pain_nprs_worst"),
                sitting=findings.get("sitting_tolerance_min"),
                visa_h=None if a.pk in with_questionnaire else findings.get("visa_h"),
            )
        )
    rows.extend(
        Measurement(r.completed_on, r.created_at, "VISA-H questionnaire", visa_h=r.total)
        for r in responses
    )
    return rows


def trends(measurements: list[Measurement]) -> dict:
    """The record's trend charts and their table: one row per day, oldest first; each measure
    of a day from the newest visit that recorded it."""
    days: dict[datetime.date, dict] = {}
    for m in sorted(measurements, key=lambda m: (m.day, m.at)):
        row = days.setdefault(m.day, {"date": m.day, "sources": []})
        if m.source not in row["sources"]:
            row["sources"].append(m.source)
        for name in MEASURES:
            value = getattr(m, name)
            if value is not None:
                row[name] = value
    rows = list(days.values())
    for row in rows:
        row["source"] = ", ".join(row.pop("sources"))
    return {
        "pain_chart": _pain_chart(rows),
        "sitting_chart": _sitting_chart(rows),
        "visa_chart": _visa_chart(rows),
        "trend_rows": rows,
    }


def _measured(rows, *names):
    """The rows where at least one of ``names`` was measured."""
    return [row for row in rows if any(row.get(name) is not None for name in names)]


def _pain_chart(rows):
    rows = _measured(rows, "pain_worst", "pain_now")
    return charts.line_chart(
        "Pain at assessments (0-10)",
        "/10",
        [row["date"] for row in rows],
        [
            ("Worst pain", "square", [row.get("pain_worst") for row in rows]),
            ("Pain now", "circle", [row.get("pain_now") for row in rows]),
        ],
        10,
    )


def _sitting_chart(rows):
    rows = _measured(rows, "sitting")
    values = [row["sitting"] for row in rows]
    return charts.line_chart(
        "Sitting tolerance (minutes), at assessments and reviews",
        " min",
        [row["date"] for row in rows],
        [("Sitting tolerance", "circle", values)],
        max(values or [60]),
    )


def _visa_chart(rows):
    rows = _measured(rows, "visa_h")
    return charts.line_chart(
        "VISA-H (0-100, higher is better)",
        "",
        [row["date"] for row in rows],
        [("VISA-H", "circle", [row["visa_h"] for row in rows])],
        100,
    )


DASHBOARD_LIMIT = 10
# What the dashboard shows: a narrow read of three short lists (the snapshot is ~10 kB a row).
DASHBOARD_COLUMNS = (
    "id",
    "assessed_on",
    "created_at",
    "updated_at",
    "status",
    "version",
    "top_diagnosis",
    "red_flag_urgency",
    "patient__id",
    "patient__given_name",
    "patient__family_name",
    "patient__archived_at",
    "clinician__id",
    "clinician__username",
    "clinician__first_name",
    "clinician__last_name",
)


def dashboard(clinic_id) -> dict:
    """The clinic's work queue: unsigned drafts, unresolved red flags, recently seen patients."""
    clinic_assessments = (
        Assessment.objects.filter(clinic_id=clinic_id)
        .select_related("patient", "clinician")
        .only(*DASHBOARD_COLUMNS)
    )
    drafts = clinic_assessments.filter(status=Assessment.Status.DRAFT)
    red_flags = list(
        drafts.filter(red_flag_urgency__in=["emergency", "urgent"]).order_by("-updated_at")[
            :DASHBOARD_LIMIT
        ]
    )
    recent = clinic_assessments.order_by("-assessed_on", "-created_at")[: DASHBOARD_LIMIT * 3]
    seen, recent_patients = set(), []
    for a in recent:
        if a.patient_id not in seen and not a.patient.is_archived:
            seen.add(a.patient_id)
            recent_patients.append({"patient": a.patient, "assessment": a})
    return {
        "drafts": list(drafts.order_by("-updated_at")[:DASHBOARD_LIMIT]),
        "red_flag_drafts": red_flags,
        "recent_patients": recent_patients[:DASHBOARD_LIMIT],
    }


# --- Re-assessment: a new assessment started from the last signed one ----------------------

# Measured afresh at every assessment (they make the trends): never carried forward.
MEASURED_EACH_TIME = ("pain_nprs_now", "pain_nprs_worst", "sitting_tolerance_min", "visa_h")
# Sections whose answers are carried forward, to be confirmed. The red-flag screen is asked
# again (an unasked question is never read as "no"); examination and tests start blank.
CARRIED_SECTIONS = ("history", "imaging")


@dataclass(frozen=True)
class CarriedForward:
    """The new-assessment form's starting values taken from a signed assessment.

    ``initial`` holds form values by field name, ``keys`` the names carried (to confirm),
    ``sections`` the form sections with a carried value, ``findings`` the carried findings
    (for the first live evaluation), ``weeks_added`` the weeks added to "weeks since onset".
    """

    source: Assessment
    initial: dict
    keys: tuple[str, ...]
    sections: tuple[str, ...]
    findings: dict
    weeks_added: float | None

    @property
    def date(self) -> datetime.date:
        return self.source.assessed_on


def _form_value(value):
    """A stored finding as the consultation form shows it (booleans as yes/no)."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def carry_forward(source: Assessment, *, assessed_on: datetime.date) -> CarriedForward:
    """The history (and imaging reports) of ``source``, to start a re-assessment on
    ``assessed_on``: "weeks since onset" moves on by the time since then; pain scores,
    sitting tolerance and VISA-H are measured afresh; the red-flag screen, the examination
    and the tests start blank."""
    sections = {spec.key: spec.section for spec in FINDINGS}
    findings: dict = {}
    initial: dict = {}
    weeks_added = None
    for key, value in (source.findings or {}).items():
        section = sections.get(key)
        if section not in CARRIED_SECTIONS or key in MEASURED_EACH_TIME:
            continue
        if key == "imaging":
            findings[key] = dict(value)
            initial.update({f"imaging_{k}": _form_value(v) for k, v in value.items()})
            continue
        if key == "duration_weeks" and value is not None:
            weeks_added = max(round((assessed_on - source.assessed_on).days / 7, 1), 0)
            value = round(value + weeks_added, 1)
        findings[key] = value
        initial[key] = _form_value(value)
    if source.side:
        initial["side"] = source.side  # the symptomatic side: history, in the form's header
    found = {sections[key] for key in findings} | ({"history"} if source.side else set())
    return CarriedForward(
        source=source,
        initial=initial,
        keys=tuple(initial),
        sections=tuple(s for s in CARRIED_SECTIONS if s in found),
        findings=findings,
        weeks_added=weeks_added,
    )


def carry_forward_for(
    request: HttpRequest, patient: Patient, source_id, *, assessed_on: datetime.date
) -> CarriedForward | None:
    """``carry_forward`` from a signed assessment of this patient in the user's clinic, named
    by ``source_id`` (a URL's ``?from=``); None for anything else, malformed ids included."""
    try:
        source_uuid = uuid.UUID(str(source_id))
    except ValueError:
        return None
    source = (
        assessments_for(request)
        .filter(pk=source_uuid, patient=patient, status=Assessment.Status.SIGNED)
        .first()
    )
    return carry_forward(source, assessed_on=assessed_on) if source else None


# --- Likely duplicates (assessments/duplicates.py) -------------------------------------------


def _person(patient) -> duplicates.Person:
    return duplicates.Person(
        key=patient.pk,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth,
    )


def likely_duplicates(
    clinic_id, *, given_name: str, family_name: str, date_of_birth, exclude=None, limit: int = 5
) -> list[Patient]:
    """The clinic's patients (archived included, merged ones not) likely to be this person: same or day-month
    swapped date of birth and close names. One indexed query on the dates of birth."""
    person = duplicates.Person(
        key=exclude, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    )
    candidates = Patient.objects.filter(
        clinic_id=clinic_id,
        date_of_birth__in=duplicates.birth_dates_to_check(date_of_birth),
        merged_into__isnull=True,  # a merged record's person is the record it points to
    ).order_by("family_name", "given_name", "id")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    return [p for p in candidates if duplicates.same_person_likely(person, _person(p))][:limit]


def duplicate_index(clinic_id, *, dates_of_birth=None) -> duplicates.DuplicateIndex:
    """The clinic's patients by date of birth, for matching many people at once (the CSV
    import, the "possible duplicates" list). ``dates_of_birth`` narrows the rows read."""
    rows = Patient.objects.filter(clinic_id=clinic_id)
    if dates_of_birth is not None:
        wanted: set[datetime.date] = set()
        for day in dates_of_birth:
            wanted |= duplicates.birth_dates_to_check(day)
        rows = rows.filter(date_of_birth__in=wanted)
    return duplicates.DuplicateIndex(
        duplicates.Person(key=pk, given_name=g, family_name=f, date_of_birth=d)
        for pk, g, f, d in rows.values_list(
            "id", "given_name", "family_name", "date_of_birth"
        ).iterator(chunk_size=2000)
    )


# --- Possible duplicates of a whole clinic, and merging two records --------------------------

DUPLICATE_PAIRS_SECONDS = 24 * 3600
# Up to this many patients changed since the cached pairs, only their pairs are matched again.
DUPLICATE_PAIRS_INCREMENTAL = 2000


def duplicate_pairs(clinic_id) -> list[tuple]:
    """Every pair of the clinic's records likely to be one person (ids, sorted by the first's
    family and given name), except records merged into another and pairs an admin marked as
    two people. Archived records are included: the list shows them as archived.

    Matching a whole clinic (``duplicate_index(...).pairs()``) reads every patient's names and
    compares those born on the same or the day-month swapped date: ~3 s for 100,000 patients.
    So the pairs are cached with the clinic's latest change to a patient (every registration,
    edit and merge saves one; the index on (clinic, updated_at) finds it without reading the
    rows). When patients changed since, only their pairs are dropped and matched again, among
    the patients born on their dates (``_refresh_pairs``); paging reads the cache.
    """
    key = f"pht:duplicate-pairs:{clinic_id}"
    changed = Patient.objects.filter(clinic_id=clinic_id).aggregate(at=Max("updated_at"))["at"]
    cached = cache.get(key)
    if cached is None or cached["at"] is None:
        cached = {"at": changed, "pairs": _pair_list(duplicate_index(clinic_id).pairs())}
        cache.set(key, cached, DUPLICATE_PAIRS_SECONDS)
    elif changed is not None and changed > cached["at"]:
        cached = {"at": changed, "pairs": _refresh_pairs(clinic_id, cached)}
        cache.set(key, cached, DUPLICATE_PAIRS_SECONDS)
    pairs = [(a, b) for _order, a, b in cached["pairs"]]
    return _still_open(clinic_id, pairs)


def _pair_list(found) -> list[tuple]:
    """(sort key, id, id) for each pair, the pair's first record first, by name."""
    rows = []
    for pair in found:
        a, b = sorted(pair, key=lambda p: (p.family, p.given, str(p.key)))
        rows.append(((a.family, a.given, b.family, str(a.key), str(b.key)), a.key, b.key))
    return sorted(rows)


def _refresh_pairs(clinic_id, cached: dict) -> list[tuple]:
    """The cached pairs with those of patients changed since ``cached["at"]`` matched again."""
    changed = list(
        # Unordered: the model's name order would walk the clinic's name index instead.
        Patient.objects.filter(clinic_id=clinic_id, updated_at__gte=cached["at"])
        .order_by()
        .values_list("id", "given_name", "family_name", "date_of_birth")[
            : DUPLICATE_PAIRS_INCREMENTAL + 1
        ]
    )
    if len(changed) > DUPLICATE_PAIRS_INCREMENTAL:
        return _pair_list(duplicate_index(clinic_id).pairs())
    ids = {row[0] for row in changed}
    people = [
        duplicates.Person(key=pk, given_name=g, family_name=f, date_of_birth=d)
        for pk, g, f, d in changed
    ]
    index = duplicate_index(clinic_id, dates_of_birth=[p.date_of_birth for p in people])
    found = {frozenset((p.key, o.key)): (p, o) for p in people for o in index.matches(p)}
    kept = [row for row in cached["pairs"] if row[1] not in ids and row[2] not in ids]
    return sorted(kept + _pair_list(found.values()))


def _still_open(clinic_id, pairs: list[tuple]) -> list[tuple]:
    """The pairs without records merged since and without pairs marked as two people."""
    listed = {pk for pair in pairs for pk in pair}
    merged = set(
        Patient.objects.filter(pk__in=listed, merged_into__isnull=False).values_list(
            "pk", flat=True
        )
    )
    decided = {
        frozenset(pair)
        for pair in NotDuplicate.objects.filter(clinic_id=clinic_id).values_list(
            "first_id", "second_id"
        )
    }
    return [
        (a, b)
        for a, b in pairs
        if a not in merged and b not in merged and frozenset((a, b)) not in decided
    ]


def with_record_counts(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Patients with how many assessments they have and the date of the latest (subqueries,
    run for the rows read only)."""
    assessments = Assessment.objects.filter(patient_id=OuterRef("pk"))
    count = assessments.order_by().values("patient_id").annotate(n=Count("pk")).values("n")[:1]
    latest = assessments.order_by("-assessed_on").values("assessed_on")[:1]
    return patients.annotate(
        assessment_count=Coalesce(Subquery(count), 0),
        last_assessed=Subquery(latest, output_field=DateField()),
    )


def duplicate_page(clinic_id, page: str | None, *, per_page: int) -> Page:
    """One page of the clinic's possible duplicates: pairs of patients with their counts."""
    numbered = page_of(duplicate_pairs(clinic_id), page, per_page=per_page)
    ids = {pk for pair in numbered.object_list for pk in pair}
    by_id = {p.pk: p for p in with_record_counts(Patient.objects.filter(pk__in=ids))}
    rows = [(by_id[a], by_id[b]) for a, b in numbered.object_list if a in by_id and b in by_id]
    return Page(object_list=rows, number=numbered.number, has_next=numbered.has_next)


def not_duplicate_decisions(clinic_id, *, limit: int = 20) -> list[NotDuplicate]:
    """The clinic's latest "not the same person" decisions, to undo one."""
    return list(
        NotDuplicate.objects.filter(clinic_id=clinic_id)
        .select_related("first", "second", "decided_by")
        .order_by("-decided_at")[:limit]
    )


def merge_counts(patient: Patient) -> dict[str, int]:
    """What a merge would move from this record, by kind: its assessments (signed and
    drafts), VISA-H questionnaires, rehab plans and their progress reviews. Rehab's tables
    are reached through the reverse relation names (this app never imports rehab)."""
    assessments = patient.assessments.aggregate(
        total=Count("pk"), signed=Count("pk", filter=Q(status=Assessment.Status.SIGNED))
    )
    return {
        "assessments": assessments["total"],
        "signed": assessments["signed"],
        "visa_h": patient.visa_h_responses.count(),
        "plans": patient.rehab_plans.count(),
        "reviews": Patient.objects.filter(
            pk=patient.pk, rehab_plans__reviews__isnull=False
        ).count(),
    }
