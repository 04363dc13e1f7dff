"""The patient import, fed whatever a previous system or an attacker might produce.

The reader (pure) takes any bytes: it gives rows or a plain-words refusal, never another
exception. The upload form, posted with any file as the clinic admin, never answers 5xx and
writes nothing but a checked import; confirmed and run, the import creates exactly the rows
it counted as new, with their audit rows, and the hash chains stay whole.
"""

import csv
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import patient_import as reading
from assessments import services
from assessments.models import Patient, PatientImport
from pht import chain
from pht.models import AccessLog
from tests.fuzz.checks import submit
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import junk

TODAY = datetime.date(2026, 12, 7)
HEADERS = [
    "Identifier",
    "MRN",
    "Given name",
    "first name",
    "Family name",
    "SURNAME",
    "Date of birth",
    "DOB",
    "Sex",
    "gender",
    "Email",
    "Phone",
    "Notes",
    "",
    "Insurer",
]


def cell() -> st.SearchStrategy[str]:
    return st.one_of(
        junk(),
        st.sampled_from(["Iris", "Okafor", "O'Brien", "Zoë", "F", "m", "not stated"]),
        st.dates(datetime.date(1890, 1, 1), datetime.date(2030, 1, 1)).map(
            lambda d: d.strftime("%d/%m/%Y")
        ),
        st.text(alphabet="=+-@\"';,\r\n\t\u200b\u202e\u0430\ufeff", max_size=6),
    )


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=0, max_size=8))
    rows = draw(st.lists(st.lists(cell(), max_size=9), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from([",", ";"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@settings(FUZZ, max_examples=300)
@given(data=st.one_of(st.binary(max_size=400), csv_files()))
def test_the_reader_gives_rows_or_a_reason_never_a_crash(data):
    try:
        parsed = reading.parse(data, max_bytes=10_000, max_rows=50)
    except reading.ImportFileError as error:
        assert str(error)
        return
    for number, raw in parsed.rows:
        row = reading.check_row(number, raw, today=TODAY)
        assert row.valid or all(isinstance(m, str) and m for m in row.messages)


@settings(FUZZ, max_examples=300)
@given(raw=st.dictionaries(st.sampled_from(reading.COLUMNS), junk()))
def test_any_row_is_checked_without_a_crash(raw):
    row = reading.check_row(2, raw, today=TODAY)
    if row.valid:
        assert datetime.date.fromisoformat(row.values["date_of_birth"]) <= TODAY


@settings(FUZZ, max_examples=40)
@given(data=csv_files())
def test_any_upload_is_checked_or_refused_never_half_imported(
    admin_client_a, clinic_admin, patient, data
):
    url = reverse("assessments:patient_import")
    patients = Patient.objects.count()
    before_logs = AccessLog.objects.filter(detail="imported").count()
    response = submit(admin_client_a, "post", url, {"file": SimpleUploadedFile("f.csv", data)})
    if response.status_code != 302:
        assert response.status_code in (200, 400)
        return
    job = PatientImport.objects.latest("uploaded_at")
    assert Patient.objects.count() == patients  # the check writes no patient
    commit = reverse("assessments:patient_import_commit", args=[job.pk])
    assert admin_client_a.post(commit).status_code == 302
    services.run_patient_import(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert job.created == job.rows_new
    assert Patient.objects.count() == patients + job.rows_new
    assert AccessLog.objects.filter(detail="imported").count() == before_logs + job.rows_new
    for model in (Patient.history.model, AccessLog):
        assert chain.verify(model)[1] == []
