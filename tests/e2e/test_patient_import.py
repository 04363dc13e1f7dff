"""Issue 15 in the browser: a clinic admin imports patients from a CSV file. Upload, the
preview's counts, confirm, the progress bar reaching 100 % and the result, at phone, tablet
and desktop widths (screenshots in tests/e2e/artifacts).

The queued job is run in this test's thread (``run_patient_import``), against the live
server's database, a chunk of two rows at a time, while the page polls its progress.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assessments import services
from assessments.models import Patient, PatientImport
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_accessibility import _blocking_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 390, "tablet": 820, "desktop": 1366}
# How long the page may take to show what the job wrote: static/js/patient-import.js polls
# every second and, after a failed poll, tries again 5 s later. A poll can fail here (never on
# a file database): on SQLite the test database is in memory with a shared cache, where a read
# of the live server's thread meets this thread's write transaction with "database table is
# locked" at once instead of waiting. One retry must fit, so more than Playwright's 5 s.
POLLED_MS = 12_000
CSV = (
    "MRN;First name;Surname;DOB;Gender\n"
    "NS-0100;Iris;Okafor;04/03/1979;F\n"
    ";Tom;Reid;1990-01-02;M\n"
    ";Zoë;O'Brien;14 Mar 1988;female\n"
    "NS-0101;Ann;Lee;02/05/1991;\n"
    "NS-0102;Raj;Patel;30/02/1980;M\n"  # no such date
    ";Hanah;Clarke;15/06/1985;F\n"  # a typo of the clinic's patient Hannah Clarke
    "NS-0001;Hannah;Clarke;15/06/1985;F\n"  # already in the clinic
    ";Priya;Shah;07/07/1977;F\n"
).encode()


def shoot(page, name: str) -> None:
    """Each width's screenshot, full page (tests/e2e/artifacts), no
    sideways panning, and no serious axe-core violation."""
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        blocking, report = _blocking_violations(page)
        assert not blocking, f"axe on {name} at {width} px:\n{report}"
        screenshot(page, f"patient-import-{name}-{width}")
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{name} pans sideways at {width} px ({label})"


def count(page, kind: str):
    return page.locator(f"[data-count={kind}]")


def test_a_clinic_admin_imports_patients_and_follows_the_progress(page, clinic_admin, patient):
    log_in(page, clinic_admin)
    page.goto("/patients/")
    page.get_by_role("link", name="Import from CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import patients from a CSV file")
    shoot(page, "import-upload")

    page.get_by_label("CSV file of patients").set_input_files(
        {"name": "previous-system.csv", "mimeType": "text/csv", "buffer": CSV}
    )
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/patients/import/[0-9a-f-]+/$"))
    expect(count(page, "rows")).to_have_text("8")
    expect(count(page, "new")).to_have_text("5")
    expect(count(page, "problem")).to_have_text("1")
    expect(count(page, "duplicate")).to_have_text("1")
    expect(count(page, "existing")).to_have_text("1")
    expect(page.get_by_text("“30/02/1980” is not a date of birth we can read")).to_be_visible()
    assert Patient.objects.count() == 1  # nothing imported yet
    shoot(page, "import-preview")

    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    page.get_by_role("button", name="Import the patients").click()
    progress = page.locator("progress#import-progress")
    expect(progress).to_be_visible()
    shoot(page, "import-progress")

    job = PatientImport.objects.get()
    # Every row gone through (four chunks of two), the import not yet marked finished.
    services.run_patient_import(job.pk, chunk_rows=2, max_chunks=4)
    expect(progress).to_have_js_property("value", 100, timeout=POLLED_MS)
    expect(page.locator("[data-import-percent]")).to_have_text("100")
    services.run_patient_import(job.pk)  # finds nothing left: the import is done

    finished = page.get_by_text("Import finished: 5 patients created, 3 skipped.")
    expect(finished).to_be_visible(timeout=POLLED_MS)
    assert Patient.objects.count() == 6
    shoot(page, "import-result")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download the report")).click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert report.splitlines()[0] == "Row,Outcome,Message,Identifier given,Identifier created"
    assert len(report.splitlines()) == 9
