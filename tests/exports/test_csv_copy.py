"""The clinic CSV built by PostgreSQL (``COPY``) is byte for byte the one Python writes.

On PostgreSQL ``stream_assessments`` takes the COPY path; ``python_csv`` below is the Python
writer the SQLite path uses. The two must agree on every cell: empty for absent, yes/no,
lists, four-decimal rounding (ties included), local ISO datetimes either side of a clock
change, neutralised formulas, quoting of commas, quotes and line breaks, and Unicode.
"""

import datetime
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.models import Assessment
from exports import csv as csv_export
from pht.rules.findings import FINDINGS, IMAGING_FINDINGS
from tests.factories import PHT_FINDINGS, make_assessment
from tests.fuzz.conftest import FUZZ

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path exists on PostgreSQL only (CI)"
)
pytestmark = [pytest.mark.django_db, postgresql_only]

TRICKY_TEXT = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "carriage\r\nreturn",
    "=SUM(A1:A9)",
    "+44 20 7946 0000",
    "-3 days",
    "@handle",
    "\tindented",
    "\rreturn first",
    "Ångström café – naïve 東京 🏃",
    "trailing space ",
    " leading space",
    "back\\slash",
    "per%cent",
    "it's",
    "\\.",
    ";semi;colons;",
]


def python_csv(queryset) -> bytes:
    rows = csv_export.export_queryset(queryset).iterator()
    return "".join(csv_export.stream(rows)).encode()


def copy_csv(queryset) -> bytes:
    return b"".join(csv_export.stream_assessments(queryset))


def test_the_copy_path_is_used_on_postgresql(patient, clinician):
    make_assessment(patient=patient, user=clinician)
    assert csv_export.copy_sql(Assessment.objects.all())[0].startswith("COPY (SELECT ")


def test_demo_like_rows_are_identical(patient, clinician, colleague):
    make_assessment(patient=patient, user=clinician, sign=True)
    make_assessment(patient=patient, user=colleague, findings={**PHT_FINDINGS, "fever": True})
    make_assessment(patient=patient, user=clinician, findings={})
    make_assessment(
        patient=patient,
        user=clinician,
        findings={
            **PHT_FINDINGS,
            "duration_weeks": 2.5,
            "imaging": {"mri": "Thickened origin, no tear", "tendon_thickening": True},
        },
        working_diagnosis_text='=HYPERLINK("x")',
    )
    queryset = Assessment.objects.all()
    assert copy_csv(queryset) == python_csv(queryset)


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_free_text_is_quoted_and_neutralised_the_same_way(patient, clinician, text):
    make_assessment(
        patient=patient,
        user=clinician,
        findings={**PHT_FINDINGS, "sport": text, "imaging": {"xray": text}},
        working_diagnosis_text=text.replace("\n", " ").replace("\r", " "),
    )
    queryset = Assessment.objects.all()
    assert copy_csv(queryset) == python_csv(queryset)


@pytest.mark.parametrize(
    ("weeks", "cell"),
    [
        (0, "0"),
        (10, "10"),
        (2.5, "2.5"),
        (0.00015, "0.0002"),  # a tie: half away from zero, from the decimal the user typed
        (1.00005, "1.0001"),
        (2.675, "2.675"),
        (0.30000000000000004, "0.3"),
        (123456.78915, "123456.7892"),
        (1e-7, "0"),
    ],
)
def test_numbers_round_the_same_way(patient, clinician, weeks, cell):
    make_assessment(
        patient=patient, user=clinician, findings={**PHT_FINDINGS, "duration_weeks": weeks}
    )
    queryset = Assessment.objects.all()
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    column = csv_export.COLUMNS.index("duration_weeks")
    assert copied.decode().splitlines()[1].split(",")[column] == cell


@pytest.mark.parametrize(
    "created_at",
    [
        datetime.datetime(2026, 1, 15, 9, 30, 5, 999999, tzinfo=datetime.UTC),  # GMT
        datetime.datetime(2026, 7, 15, 23, 30, tzinfo=datetime.UTC),  # BST, next day locally
        datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=datetime.UTC),  # before the change
        datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=datetime.UTC),  # after it
    ],
)
def test_datetimes_are_local_with_their_offset(patient, clinician, created_at, settings):
    signed = make_assessment(patient=patient, user=clinician, sign=True)
    Assessment.objects.filter(pk=signed.pk).update(created_at=created_at, signed_at=created_at)
    queryset = Assessment.objects.all()
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    local = created_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert local.isoformat(timespec="seconds") in copied.decode()


def test_another_time_zone(patient, clinician, settings):
    settings.TIME_ZONE = "America/St_Johns"  # -03:30 / -02:30
    make_assessment(patient=patient, user=clinician, sign=True)
    queryset = Assessment.objects.all()
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    assert b"-03:30" in copied or b"-02:30" in copied


def test_filters_and_scoping_are_kept(patient, other_patient, clinician, other_clinician):
    mine = make_assessment(patient=patient, user=clinician)
    make_assessment(patient=other_patient, user=other_clinician)
    queryset = Assessment.objects.filter(patient__clinic=patient.clinic)
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    assert copied.count(b"\n") == 2
    assert str(mine.pk).encode() in copied


def test_no_rows_gives_the_header_only(patient):
    copied = copy_csv(Assessment.objects.all())
    assert copied == python_csv(Assessment.objects.all())
    assert copied.decode("utf-8-sig").rstrip("\n").split(",") == list(csv_export.COLUMNS)


# --- Any valid findings --------------------------------------------------------------------

_TEXT = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40),
)
_NUMBER = st.one_of(
    st.integers(0, 10**6),
    st.floats(0, 10**6, allow_nan=False, allow_infinity=False),
    st.integers(0, 10**7).map(lambda n: n / 10**5),  # 5 decimals: ties at the 4th place
)


def _value(spec):
    match spec.kind:
        case "bool":
            return st.booleans()
        case "int":
            return st.integers(spec.min or 0, spec.max if spec.max is not None else 10**6)
        case "number":
            if spec.min is not None or spec.max is not None:  # a bounded measurement
                low = spec.min or 0
                high = spec.max if spec.max is not None else 10**6
                return st.one_of(
                    st.integers(low, high),
                    st.floats(low, high, allow_nan=False, allow_infinity=False),
                    st.integers(low * 10**5, high * 10**5).map(lambda n: n / 10**5),
                )
            return _NUMBER
        case "choice" | "test":
            return st.sampled_from(spec.choices)
        case "multi":
            return st.lists(st.sampled_from(spec.choices), unique=True)
        case "text":
            return _TEXT
    raise AssertionError(spec.kind)


def _some(specs) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={spec.key: _value(spec) for spec in specs})


_FINDINGS = st.builds(
    lambda findings, imaging: {**findings, **({"imaging": imaging} if imaging else {})},
    _some([spec for spec in FINDINGS if spec.kind != "object"]),
    _some(IMAGING_FINDINGS),
)


@settings(FUZZ, max_examples=60)
@given(findings=_FINDINGS, text=_TEXT.map(lambda t: t.replace("\n", " ").replace("\r", " ")))
def test_any_valid_findings_give_identical_bytes(patient, clinician, findings, text):
    # pain now must not exceed the worst pain, or the draft is refused
    if "pain_nprs_now" in findings and "pain_nprs_worst" in findings:
        findings["pain_nprs_now"] = min(findings["pain_nprs_now"], findings["pain_nprs_worst"])
    assessment = make_assessment(
        patient=patient, user=clinician, findings=findings, working_diagnosis_text=text
    )
    queryset = Assessment.objects.filter(pk=assessment.pk)
    assert copy_csv(queryset) == python_csv(queryset)


# --- Streaming -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_closing_the_download_early_cancels_the_copy(patient, clinician, monkeypatch):
    for _ in range(30):
        make_assessment(patient=patient, user=clinician)
    monkeypatch.setattr(csv_export, "COPY_BLOCK_BYTES", 1)  # a block per row
    monkeypatch.setattr(csv_export, "COPY_QUEUE_BLOCKS", 1)
    blocks = csv_export.stream_assessments(Assessment.objects.all())
    next(blocks), next(blocks)  # the header and one row, then the client goes away
    blocks.close()
    assert not [t for t in threading.enumerate() if t.name == "csv-export-copy"]
    assert Assessment.objects.count() == 30  # the connection is usable again


def test_the_rows_come_in_blocks_with_the_same_bytes(patient, clinician, monkeypatch):
    for _ in range(5):
        make_assessment(patient=patient, user=clinician)
    queryset = Assessment.objects.all()
    whole = copy_csv(queryset)
    monkeypatch.setattr(csv_export, "COPY_BLOCK_BYTES", 1)
    monkeypatch.setattr(csv_export, "COPY_QUEUE_BLOCKS", 1)
    blocks = list(csv_export.stream_assessments(queryset))
    assert len(blocks) == 1 + 5
    assert b"".join(blocks) == whole


def test_multi_choice_values_are_plain_identifiers():
    """The COPY path joins a list of these by string functions (``_SQL_PLAIN_LIST``)."""
    for spec in (*FINDINGS, *IMAGING_FINDINGS):
        if spec.kind == "multi":
            assert all(re.fullmatch(r"[a-z_]+", choice) for choice in spec.choices), spec.key


def test_a_list_that_is_not_plain_choices_is_joined_item_by_item(patient, clinician):
    """Not reachable through validation; the SQL still agrees with Python if it ever is."""
    assessment = make_assessment(patient=patient, user=clinician)
    odd = ["comma, inside", "=1+1", 'a "quote"', "", "ischial_tuberosity"]
    Assessment.objects.filter(pk=assessment.pk).update(
        evaluated_findings={**assessment.evaluated_findings, "pain_location": odd}
    )
    queryset = Assessment.objects.all()
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    assert b"'=1+1" in copied


def test_closing_early_inside_a_transaction_leaves_it_usable(patient, clinician, monkeypatch):
    """The copy runs in a savepoint of the caller's transaction; a cancel rolls back to it."""
    for _ in range(30):
        make_assessment(patient=patient, user=clinician)
    monkeypatch.setattr(csv_export, "COPY_BLOCK_BYTES", 1)
    monkeypatch.setattr(csv_export, "COPY_QUEUE_BLOCKS", 1)
    blocks = csv_export.stream_assessments(Assessment.objects.all())
    next(blocks), next(blocks)
    blocks.close()
    assert Assessment.objects.count() == 30
    make_assessment(patient=patient, user=clinician)  # writes still work afterwards
    assert Assessment.objects.count() == 31


# --- Outside a transaction: ranges built on two connections sharing one snapshot ------------


@pytest.fixture
def committed(patient, other_patient, clinician, other_clinician):
    """23 assessments in clinic A, on several dates, and 2 in clinic B, committed."""
    made = []
    for number in range(23):
        assessment = make_assessment(
            patient=patient,
            user=clinician,
            findings={**PHT_FINDINGS, "duration_weeks": number / 3, "sport": f"run, {number}"},
        )
        made.append(assessment)
        Assessment.objects.filter(pk=assessment.pk).update(
            assessed_on=datetime.date(2026, 1, 1) + datetime.timedelta(days=number % 5)
        )
    for _ in range(2):
        make_assessment(patient=other_patient, user=other_clinician)
    return made


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("range_rows", [1, 4, 5, 23, 5000])
def test_ranges_on_two_connections_give_the_same_bytes(committed, monkeypatch, range_rows):
    monkeypatch.setattr(csv_export, "RANGE_ROWS", range_rows)
    queryset = Assessment.objects.filter(clinic=committed[0].clinic)
    copied = copy_csv(queryset)
    assert copied == python_csv(queryset)
    assert copied.count(b"\n") == 1 + 23


@pytest.mark.django_db(transaction=True)
def test_ranges_are_dealt_to_two_readers(committed, monkeypatch):
    monkeypatch.setattr(csv_export, "RANGE_ROWS", 5)
    started = []
    original = csv_export._Reader.start

    def start(reader):
        started.append((reader.name, len(reader.statements)))
        original(reader)

    monkeypatch.setattr(csv_export._Reader, "start", start)
    copy_csv(Assessment.objects.filter(clinic=committed[0].clinic))
    assert started == [("csv-export-copy-0", 3), ("csv-export-copy-1", 2)]  # 5 ranges


@pytest.mark.django_db(transaction=True)
def test_abandoning_a_parallel_download_stops_both_readers(committed, monkeypatch):
    monkeypatch.setattr(csv_export, "RANGE_ROWS", 3)
    monkeypatch.setattr(csv_export, "COPY_BLOCK_BYTES", 1)
    monkeypatch.setattr(csv_export, "COPY_QUEUE_BLOCKS", 1)
    blocks = csv_export.stream_assessments(Assessment.objects.all())
    next(blocks), next(blocks)
    blocks.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("csv-export-copy")]
    assert Assessment.objects.count() == 25  # the request's connection is usable
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'"
        )
        assert cursor.fetchone()[0] == 0  # no copy still running


@pytest.mark.django_db(transaction=True)
def test_every_range_is_read_as_of_one_moment(committed, monkeypatch, patient, clinician):
    """A row committed after the export began is in no range, even in a range whose
    connection starts reading later (it imports the first connection's snapshot)."""
    monkeypatch.setattr(csv_export, "RANGE_ROWS", 4)  # 6 ranges; the last is reader 1's
    late = []

    def write_elsewhere():  # another thread: its own connection, committed at once
        late.append(make_assessment(patient=patient, user=clinician))
        connection.close()

    original = csv_export._Reader.start

    def start(reader):
        if not late:  # after the snapshot was taken, before any reader reads
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            writer.join()
        original(reader)

    monkeypatch.setattr(csv_export._Reader, "start", start)
    copied = copy_csv(Assessment.objects.filter(clinic=patient.clinic))
    assert late and str(late[0].pk).encode() not in copied
    assert copied.count(b"\n") == 1 + 23
    assert Assessment.objects.filter(clinic=patient.clinic).count() == 24


@pytest.mark.django_db(transaction=True)
def test_one_export_connection_reads_every_range_itself(committed, monkeypatch, settings):
    settings.CSV_EXPORT_CONNECTIONS = 1
    monkeypatch.setattr(csv_export, "RANGE_ROWS", 5)
    queryset = Assessment.objects.filter(clinic=committed[0].clinic)
    assert copy_csv(queryset) == python_csv(queryset)


@pytest.mark.django_db(transaction=True)
def test_a_reader_that_starts_after_the_first_has_finished_still_reads(committed, monkeypatch):
    """The first connection's transaction (and its exported snapshot) ends with its reader;
    the others must have imported the snapshot before that."""
    monkeypatch.setattr(csv_export, "RANGE_ROWS", 12)  # two ranges, one per reader
    original = csv_export._Reader.start

    def start(reader):
        original(reader)
        if reader.name == "csv-export-copy-0":
            reader.join()  # done, transaction closed, before the next reader starts

    monkeypatch.setattr(csv_export._Reader, "start", start)
    queryset = Assessment.objects.filter(clinic=committed[0].clinic)
    assert copy_csv(queryset) == python_csv(queryset)
