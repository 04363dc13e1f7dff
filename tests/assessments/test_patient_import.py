"""Patient import: upload and check (the preview), then the import run by the task queue.

The queued job runs in this process through the worker command (``run_worker --batch``),
against the test database.
"""

import csv
import datetime
import io
import re
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from assessments import services
from assessments.models import Patient, PatientImport, PatientImportRow
from pht import chain
from pht.models import AccessLog
from tests.factories import PatientFactory

HEADER = "Identifier,Given name,Family name,Date of birth,Sex\n"
URL = reverse("assessments:patient_import")


def upload(client, text: str, name="patients.csv"):
    response = client.post(URL, {"file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 302, response.content.decode()[:3000]
    return PatientImport.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def rows_of(job) -> dict[int, PatientImportRow]:
    return {row.number: row for row in job.rows.all()}


def run_worker():
    # The worker closes stale connections between jobs; here the connection is the test's,
    # inside its transaction (PostgreSQL would lose it), so that is left out.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("run_worker", batch=True, verbosity=0)


def commit(client, job, **data):
    url = reverse("assessments:patient_import_commit", args=[job.pk])
    response = client.post(url, data)
    assert response.status_code == 302
    job.refresh_from_db()
    return response


# --- the preview ---------------------------------------------------------------------------


def test_the_upload_page_offers_the_template(admin_client_a):
    response = admin_client_a.get(URL)
    assert response.status_code == 200
    assert reverse("assessments:patient_import_template").encode() in response.content


def test_the_template_downloads_as_csv_with_one_example_row(admin_client_a):
    response = admin_client_a.get(reverse("assessments:patient_import_template"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Identifier,Given name,Family name,Date of birth")
    assert len(lines) == 2


def test_the_preview_counts_each_kind_and_writes_no_patient(admin_client_a, patient):
    before = Patient.objects.count()
    job = upload(
        admin_client_a,
        HEADER
        + "NS-0100,Iris,Okafor,04/03/1979,F\n"  # new
        + ",Tom,Reid,1990-01-02,M\n"  # new, numbered on import
        + "NS-0001,Hannah,Clarke,15/06/1985,F\n"  # already in the clinic (identifier)
        + ",Hanah,Clarke,15/06/1985,F\n"  # a typo of the clinic's patient
        + ",Iris,Okafr,04/03/1979,F\n"  # a typo of row 2
        + "NS-0101,,Nobody,01/01/2000,F\n",  # given name missing
    )
    assert (job.rows_total, job.rows_new, job.rows_existing) == (6, 2, 1)
    assert (job.rows_duplicate, job.rows_problem) == (2, 1)
    assert job.status == PatientImport.Status.PREVIEW
    assert Patient.objects.count() == before
    rows = rows_of(job)
    assert rows[5].messages == ["May be the same person as patient NS-0001 already in the clinic."]
    assert rows[6].messages == ["May be the same person as row 2."]
    assert rows[7].messages == ["Given name is missing."]


def test_the_preview_page_shows_counts_and_problem_rows_in_plain_words(admin_client_a, patient):
    job = upload(
        admin_client_a, HEADER + "NS-0100,Iris,Okafor,31/02/1979,F\n,Ann,Lee,1990-01-02,\n"
    )
    response = admin_client_a.get(reverse("assessments:patient_import_detail", args=[job.pk]))
    page = response.content.decode()
    assert "With problems" in page
    assert "“31/02/1979” is not a date of birth we can read" in page
    assert "Import the patients" in page


def test_problem_rows_are_paged(admin_client_a, patient):
    bad = "".join(f",Ann{n},Lee,31/02/1979,\n" for n in range(60))
    job = upload(admin_client_a, HEADER + bad)
    url = reverse("assessments:patient_import_detail", args=[job.pk])
    first = admin_client_a.get(url).context["page"]
    second = admin_client_a.get(url, {"page": 2}).context["page"]
    assert len(first.object_list) == 50
    assert [row.number for row in second.object_list] == list(range(52, 62))


def test_a_file_that_cannot_be_read_is_refused_with_its_reason(admin_client_a):
    data = ("Given name,Family name,DOB\nZoë,Lowe,14/03/1988\n").encode("cp1252")
    response = admin_client_a.post(URL, {"file": SimpleUploadedFile("p.csv", data)})
    assert response.status_code == 200
    assert "CSV UTF-8" in response.content.decode()
    assert not PatientImport.objects.exists()


def test_posting_without_a_file_says_one_is_needed(admin_client_a):
    response = admin_client_a.post(URL, {})
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["This field is required."]}
    assert "Nothing was saved" in response.content.decode()


def test_a_file_over_the_size_setting_is_refused(admin_client_a, settings):
    settings.PATIENT_IMPORT_MAX_MB = 1
    data = (HEADER + "x" * (1024 * 1024)).encode()
    response = admin_client_a.post(URL, {"file": SimpleUploadedFile("p.csv", data)})
    assert "larger than 1 MB" in response.content.decode()
    assert not PatientImport.objects.exists()


def test_a_repeated_identifier_in_the_file_is_a_problem(admin_client_a, patient):
    job = upload(
        admin_client_a, HEADER + "X-1,Iris,Okafor,04/03/1979,F\nx-1,Tom,Reid,1990-01-02,M\n"
    )
    assert rows_of(job)[3].messages == ["The same identifier as row 2."]


def test_a_numbered_row_with_the_same_names_and_birth_is_already_in_the_clinic(
    admin_client_a, patient
):
    job = upload(admin_client_a, HEADER + ",HANNAH,clarke,15/06/1985,F\n")
    assert rows_of(job)[2].kind == PatientImportRow.Kind.EXISTING


def test_another_clinics_patients_are_not_duplicates(admin_client_a, other_patient):
    job = upload(admin_client_a, HEADER + "SS-0001,Karin,Lindqvist,15/06/1985,F\n")
    assert job.rows_new == 1


# --- the import ----------------------------------------------------------------------------


def test_confirming_queues_one_job_and_creates_nothing_yet(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + "NS-0100,Iris,Okafor,04/03/1979,F\n")
    before = Patient.objects.count()
    commit(admin_client_a, job)
    assert job.status == PatientImport.Status.QUEUED
    assert (
        DBTaskResult.objects.filter(task_path="assessments.services.import_patients").count() == 1
    )
    assert Patient.objects.count() == before


def test_the_worker_creates_exactly_the_valid_new_patients_with_their_audit_trail(
    admin_client_a, clinic_admin, patient
):
    job = upload(
        admin_client_a,
        HEADER
        + "NS-0100,zoë,O'BRIEN,04/03/1979,F\n"
        + ",Tom,Reid,1990-01-02,M\n"
        + ",Hanah,Clarke,15/06/1985,F\n"
        + "NS-0101,Bad,Date,31/02/1979,F\n",
    )
    commit(admin_client_a, job)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created, job.skipped, job.failed) == ("done", 2, 2, 0)
    zoe = Patient.objects.get(identifier="NS-0100")
    assert (zoe.given_name, zoe.family_name, zoe.sex) == ("Zoë", "O'Brien", "female")
    assert "obrien" in zoe.search_name
    tom = Patient.objects.get(given_name="Tom")
    assert tom.identifier.startswith(patient.clinic.identifier_prefix)
    assert rows_of(job)[3].identifier_created == tom.identifier
    history = zoe.history.get()
    assert (history.history_type, history.history_user) == ("+", clinic_admin)
    log = AccessLog.objects.get(patient_id=zoe.pk, action="create")
    assert (log.detail, log.username) == ("imported", "cara")
    for model in chain.chained_models():
        assert chain.verify(model)[1] == []


def test_numbered_identifiers_move_the_clinics_next_number_on(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + ",Tom,Reid,1990-01-02,M\n,Ann,Lee,1991-01-02,F\n")
    commit(admin_client_a, job)
    run_worker()
    patient.clinic.refresh_from_db()
    created = sorted(Patient.objects.exclude(pk=patient.pk).values_list("identifier", flat=True))
    assert len(set(created)) == 2
    assert services.selectors.free_identifier(patient.clinic)[0] not in created


def test_possible_duplicates_are_imported_only_when_ticked(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + ",Hanah,Clarke,15/06/1985,F\n")
    commit(admin_client_a, job, include_duplicates="on")
    run_worker()
    job.refresh_from_db()
    assert job.created == 1
    assert Patient.objects.filter(given_name="Hanah").exists()


def test_importing_the_same_file_again_creates_nothing(admin_client_a, patient):
    text = (
        HEADER
        + "NS-0100,Iris,Okafor,04/03/1979,F\n,Tom,Reid,1990-01-02,M\n,Hanah,Clarke,15/06/1985,F\n"
    )
    first = upload(admin_client_a, text)
    commit(admin_client_a, first)
    run_worker()
    second = upload(admin_client_a, text)
    assert (second.rows_new, second.rows_existing, second.rows_duplicate) == (0, 2, 1)
    before = Patient.objects.count()
    commit(admin_client_a, second)
    run_worker()
    second.refresh_from_db()
    assert (second.status, second.created) == ("done", 0)
    assert Patient.objects.count() == before


def test_an_interrupted_import_resumes_where_it_stopped_without_duplicates(admin_client_a, patient):
    text = HEADER + "".join(f",Ann{n},Lee,{1 + n % 28:02d}/01/1990,F\n" for n in range(25))
    job = upload(admin_client_a, text)
    commit(admin_client_a, job)
    # A worker that dies after its first chunk: 10 rows committed, the import still running.
    services.run_patient_import(job.pk, chunk_rows=10, max_chunks=1)
    job.refresh_from_db()
    assert (job.status, job.processed, job.created) == ("importing", 10, 10)
    # The job the dead worker held is never finished; a new worker queues the import again.
    DBTaskResult.objects.update(status="RUNNING")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.processed, job.created) == ("done", 25, 25)
    assert Patient.objects.filter(family_name="Lee").count() == 25
    assert AccessLog.objects.filter(action="create", detail="imported").count() == 25


def test_a_worker_starting_queues_only_imports_without_a_waiting_job(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + ",Tom,Reid,1990-01-02,M\n")
    commit(admin_client_a, job)
    assert services.resume_patient_imports() == []
    DBTaskResult.objects.update(status="RUNNING")  # its worker was killed
    assert services.resume_patient_imports() == [job.pk]
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_chunk_is_all_or_nothing(admin_client_a, patient, monkeypatch):
    job = upload(admin_client_a, HEADER + ",Tom,Reid,1990-01-02,M\n,Ann,Lee,1991-01-02,F\n")
    commit(admin_client_a, job)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(chain, "append_all", broken)
    with pytest.raises(RuntimeError):
        services.run_patient_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.created, job.processed) == ("failed", 0, 0)
    assert not Patient.objects.filter(given_name__in=["Tom", "Ann"]).exists()
    assert "Stopped by an unexpected error" in job.error


def test_an_identifier_registered_meanwhile_is_skipped_not_duplicated(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + "NS-0100,Iris,Okafor,04/03/1979,F\n")
    PatientFactory(clinic=patient.clinic, identifier="ns-0100")
    commit(admin_client_a, job)
    run_worker()
    job.refresh_from_db()
    assert (job.created, job.skipped) == (0, 1)
    assert "added meanwhile" in rows_of(job)[2].message


def test_a_cancelled_import_says_what_was_created(admin_client_a, patient):
    text = HEADER + "".join(f",Ann{n},Lee,{1 + n % 28:02d}/01/1990,F\n" for n in range(5))
    job = upload(admin_client_a, text)
    commit(admin_client_a, job)
    services.run_patient_import(job.pk, chunk_rows=2, max_chunks=1)
    admin_client_a.post(reverse("assessments:patient_import_cancel", args=[job.pk]))
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created) == ("cancelled", 2)
    page = admin_client_a.get(reverse("assessments:patient_import_detail", args=[job.pk]))
    assert "2 patients had been created" in page.content.decode()


def test_the_progress_endpoint_gives_counts_only(admin_client_a, patient_import):
    url = reverse("assessments:patient_import_progress", args=[patient_import.pk])
    assert admin_client_a.get(url).json() == {
        "status": "preview",
        "status_label": "Checked, waiting for confirmation",
        "percent": 0,
        "processed": 0,
        "total": 2,
        "created": 0,
        "skipped": 0,
        "failed": 0,
        "finished": False,
    }


def test_the_running_page_has_a_progress_bar_and_a_refresh_link(admin_client_a, patient_import):
    commit(admin_client_a, patient_import)
    url = reverse("assessments:patient_import_detail", args=[patient_import.pk])
    page = admin_client_a.get(url).content.decode()
    assert '<progress id="import-progress"' in page
    assert "js/patient-import.js" in page
    assert f'href="{url}" data-import-refresh>Refresh</a>' in page


def test_the_report_lists_every_row_without_clinical_data(admin_client_a, patient):
    job = upload(
        admin_client_a,
        HEADER + "NS-0100,Iris,Okafor,04/03/1979,F\n,Tom,Reid,1990-01-02,M\n=1+1,Bad,Row,,F\n",
    )
    commit(admin_client_a, job)
    run_worker()
    response = admin_client_a.get(reverse("assessments:patient_import_report", args=[job.pk]))
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    tom = Patient.objects.get(given_name="Tom")
    assert lines[0] == ["Row", "Outcome", "Message", "Identifier given", "Identifier created"]
    assert lines[1] == ["2", "created", "", "NS-0100", ""]
    assert lines[2] == ["3", "created", "", "", tom.identifier]
    assert lines[3][:2] == ["4", "skipped"]
    assert "Date of birth is missing." in lines[3][2]
    assert lines[3][3] == "'=1+1"  # never a formula in a spreadsheet
    assert "Okafor" not in response.content.decode()
    assert AccessLog.objects.filter(action="export", object_id=job.pk).count() == 1


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["patient_import_detail", "patient_import_report", "patient_import_progress"]
)
def test_clinicians_get_403(clinician_client, patient_import, name):
    url = reverse(f"assessments:{name}", args=[patient_import.pk])
    assert clinician_client.get(url).status_code == 403


def test_clinicians_cannot_upload(clinician_client):
    data = SimpleUploadedFile("p.csv", (HEADER + ",Tom,Reid,1990-01-02,M\n").encode())
    assert clinician_client.post(URL, {"file": data}).status_code == 403
    assert not PatientImport.objects.exists()


def test_another_clinics_import_answers_404(other_client, patient_import):
    url = reverse("assessments:patient_import_commit", args=[patient_import.pk])
    assert other_client.post(url).status_code == 404
    patient_import.refresh_from_db()
    assert patient_import.status == "preview"


def test_confirming_twice_queues_once(admin_client_a, patient_import):
    commit(admin_client_a, patient_import)
    commit(admin_client_a, patient_import)
    assert DBTaskResult.objects.count() == 1


def test_dates_of_birth_of_imported_patients_are_dates(admin_client_a, patient):
    job = upload(admin_client_a, HEADER + "NS-0100,Iris,Okafor,4 Mar 1979,F\n")
    commit(admin_client_a, job)
    run_worker()
    assert Patient.objects.get(identifier="NS-0100").date_of_birth == datetime.date(1979, 3, 4)


def test_the_confirm_form_sent_twice_queues_once_and_says_so(admin_client_a, patient_import):
    url = reverse("assessments:patient_import_detail", args=[patient_import.pk])
    page = admin_client_a.get(url).content.decode()
    commit_url = reverse("assessments:patient_import_commit", args=[patient_import.pk])
    form = page[page.index(f'action="{commit_url}"') :]
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', form).group(1)
    admin_client_a.post(commit_url, {"submission_key": key})
    second = admin_client_a.post(commit_url, {"submission_key": key}, follow=True)
    assert "Already confirmed — the import is under way." in second.content.decode()
    assert DBTaskResult.objects.count() == 1
