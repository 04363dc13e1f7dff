"""Patient import benchmark: a 10,000-row CSV checked, then imported by a real worker process.

Run: ``.venv/bin/python bench/import_patients.py [--rows 10000] [--existing 2000]
[--interrupt]``. SQLite by default (a fresh file in the temporary folder); ``DATABASE_URL``
is honoured (e.g. ``postgres://postgres@127.0.0.1:5432/pht_bench_import``, created if missing).
Never run by the tests. What it does:

1. migrates the database and seeds a clinic with ``--existing`` patients (bulk, like
   ``seed_scale``: no history or access-log rows, so the chains stay whole);
2. writes a CSV of ``--rows`` rows: 2 % bad rows (a date that does not exist, a missing
   name, an unknown sex, an identifier with a ``#``, a date in the future) and 1 %
   near-duplicates (a typo in the name of an existing patient, or of an earlier row, with the
   same date of birth); every other row a new patient on a date of birth of its own, a third
   without an identifier (numbered on import);
3. checks the file as the upload view does (``services.preview_patient_import``) and prints
   its counts against those expected, and the seconds;
4. confirms it and starts ``manage.py run_worker`` as a separate process; prints the seconds
   from confirming to the import's end, rows/s and the created count. ``--interrupt`` kills
   the worker (SIGKILL) half-way and starts another, which resumes the import;
5. checks and imports the same file again and prints that it created 0;
6. runs ``manage.py verify_audit``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def _words(text: str) -> list[str]:
    return text.split()


DEFAULT_SQLITE = Path(tempfile.gettempdir()) / "pht-bench-import.sqlite3"

GIVEN = _words(
    """Ada Alice Amara Ben Carmen Chloe Dafydd Elena Emeka Finn Freya Hamish Ines Isla Kenji
    Leon Lorcan Maeve Marco Nadia Niamh Omar Priya Rhys Rosa Saoirse Tariq Yuki Zara"""
)
FAMILY = _words(
    """Adeyemi Andersson Banerjee Bianchi Brennan Costa Dawson Fernandes Fischer Gallagher
    Hossain Iqbal Jansen Kowalski Lindqvist Macdonald Nakamura Nguyen Nowak Okafor Oliveira
    Quinn Rahman Romano Santos Sutherland Tanaka Wallace Yamamoto Zielinski"""
)
BAD_ROWS = [
    lambda r: {**r, "Date of birth": "31/02/1980"},
    lambda r: {**r, "Given name": ""},
    lambda r: {**r, "Sex": "x"},
    lambda r: {**r, "Identifier": "BAD#" + r["Identifier"]},
    lambda r: {**r, "Date of birth": "01/01/2099"},
]
HEADER = ["Identifier", "Given name", "Family name", "Date of birth", "Sex", "Email", "Phone"]


def env() -> dict:
    out = dict(os.environ)
    out.setdefault("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}")
    out.update(DEBUG="1", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return out


def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env(), check=check, capture_output=True, text=True
    )


def prepare_database() -> None:
    url = env()["DATABASE_URL"]
    if url.startswith("sqlite:///") and "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEFAULT_SQLITE}{suffix}").unlink(missing_ok=True)
    elif url.startswith("postgres"):
        import psycopg2

        name = url.rsplit("/", 1)[1].split("?")[0]
        conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()
    manage("migrate", "--no-input")


def birth_dates(rng: random.Random, count: int) -> list[datetime.date]:
    """Distinct dates whose day is 13 or more (no day-month swapped twin): no two generated
    people share a date of birth unless meant to."""
    days = [
        datetime.date(year, month, day)
        for year in range(1930, 2012)
        for month in range(1, 13)
        for day in range(13, 29)
    ]
    return rng.sample(days, count)


def typo(name: str, rng: random.Random) -> str:
    """The name with one letter dropped or two neighbours swapped: never the name itself."""
    while True:
        i = rng.randrange(1, len(name) - 1)
        if rng.random() < 0.5:
            changed = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        else:
            changed = name[:i] + name[i + 1 :]
        if changed != name:
            return changed


def build(rows: int, existing: int, seed: int):
    """(existing patients, CSV text, expected counts)."""
    rng = random.Random(seed)
    bad, near = rows * 2 // 100, rows // 100
    dates = birth_dates(rng, existing + rows)
    people = [
        {
            "given_name": rng.choice(GIVEN),
            "family_name": f"{rng.choice(FAMILY)}{'-' + rng.choice(FAMILY) if rng.random() < 0.3 else ''}",
            "date_of_birth": dates[i],
        }
        for i in range(existing + rows)
    ]
    seeded, newcomers = people[:existing], people[existing:]
    out: list[dict] = []
    for n, person in enumerate(newcomers[: rows - near]):
        out.append(
            {
                "Identifier": f"OLD-{n + 1:06d}" if n % 3 else "",
                "Given name": person["given_name"],
                "Family name": person["family_name"],
                "Date of birth": person["date_of_birth"].strftime("%d/%m/%Y"),
                "Sex": rng.choice(["F", "M", "female", "male", "Other", "unknown", ""]),
                "Email": f"p{n}@example.org" if n % 4 == 0 else "",
                "Phone": f"07700 9{n:05d}" if n % 2 == 0 else "",
            }
        )
    for i in rng.sample(range(len(out)), bad):
        out[i] = BAD_ROWS[i % len(BAD_ROWS)](out[i])
    bad_indices = {i for i, r in enumerate(out) if r is not None and _is_bad(r)}
    good = [i for i in range(len(out)) if i not in bad_indices]
    for k in range(near):
        if k % 2 and seeded:
            target = rng.choice(seeded)
            given, family, born = (
                target["given_name"],
                target["family_name"],
                target["date_of_birth"],
            )
        else:
            row = out[rng.choice(good)]
            given, family = row["Given name"], row["Family name"]
            born = datetime.datetime.strptime(row["Date of birth"], "%d/%m/%Y").date()
        out.append(
            {
                "Identifier": "",
                "Given name": given,
                "Family name": typo(family, rng),
                "Date of birth": born.strftime("%d/%m/%Y"),
                "Sex": "",
                "Email": "",
                "Phone": "",
            }
        )
    rng.shuffle(out)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(out)
    expected = {"rows": rows, "new": rows - bad - near, "problem": bad, "duplicate": near}
    expected["existing"] = 0
    return seeded, text.getvalue(), expected


def _is_bad(row: dict) -> bool:
    return (
        row["Date of birth"] in ("31/02/1980", "01/01/2099")
        or not row["Given name"]
        or row["Sex"] == "x"
        or "#" in row["Identifier"]
    )


def setup_django() -> None:
    os.environ.update(env())
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")
    import django

    django.setup()


def seed(seeded: list[dict]):
    from assessments.models import Patient
    from pht.models import Clinic, Membership, User

    clinic = Clinic.objects.create(
        name=f"Bench import {uuid.uuid4().hex[:6]}", identifier_prefix="BI"
    )
    admin = User.objects.create_user(f"bench-admin-{uuid.uuid4().hex[:6]}", password=None)
    Membership.objects.create(user=admin, clinic=clinic, role=Membership.Role.CLINIC_ADMIN)
    patients = []
    for n, person in enumerate(seeded):
        patient = Patient(clinic=clinic, identifier=f"EX-{n + 1:06d}", sex="not_stated", **person)
        patient.refresh_search_columns()
        patients.append(patient)
    Patient.objects.bulk_create(patients, batch_size=1000)
    return clinic, admin


def preview(actor, text: str):
    from django.conf import settings

    from assessments import patient_import, services

    data = text.encode("utf-8-sig")
    started = time.monotonic()
    parsed = patient_import.parse(
        data,
        max_bytes=settings.PATIENT_IMPORT_MAX_MB * 1024 * 1024,
        max_rows=settings.PATIENT_IMPORT_MAX_ROWS,
    )
    job = services.preview_patient_import(
        actor=actor, file_name="bench.csv", data=data, parsed=parsed
    )
    return job, time.monotonic() - started


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [PY, "manage.py", "run_worker", "--interval", "0.2", "--verbosity", "0"],
        cwd=ROOT,
        env=env(),
        start_new_session=True,
    )


def stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


def commit_and_wait(actor, job, *, interrupt: bool, timeout: float = 600) -> float:
    from django.db import close_old_connections

    from assessments import services
    from assessments.models import PatientImport

    services.commit_patient_import(actor=actor, job=job, include_duplicates=False)
    started = time.monotonic()
    worker = start_worker()
    killed = False
    try:
        while time.monotonic() - started < timeout:
            close_old_connections()
            state = PatientImport.objects.values("status", "processed", "rows_total").get(pk=job.pk)
            if state["status"] in ("done", "failed", "cancelled"):
                return time.monotonic() - started
            if interrupt and not killed and state["processed"] * 2 >= state["rows_total"]:
                stop(worker, signal.SIGKILL)
                killed = True
                print(f"  worker killed (SIGKILL) at {state['processed']:,} rows; starting another")
                worker = start_worker()
            time.sleep(0.1)
        raise SystemExit("The import did not finish in time.")
    finally:
        stop(worker)


def counts(job) -> dict:
    return {
        "rows": job.rows_total,
        "new": job.rows_new,
        "problem": job.rows_problem,
        "duplicate": job.rows_duplicate,
        "existing": job.rows_existing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--interrupt", action="store_true", help="kill the worker half-way")
    args = parser.parse_args()
    database = env()["DATABASE_URL"].split("://")[0]
    print(f"Database: {database}; {args.rows:,} rows, {args.existing:,} existing patients")
    prepare_database()
    setup_django()
    from assessments.models import Patient, PatientImport
    from pht.audit import Actor

    seeded, text, expected = build(args.rows, args.existing, args.seed)
    clinic, admin = seed(seeded)
    actor = Actor(user=admin, clinic=clinic, ip_address="127.0.0.1")
    print(f"CSV: {len(text.encode()) / 1024 / 1024:.1f} MB")

    job, seconds = preview(actor, text)
    got = counts(job)
    print(f"Preview: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s)")
    for key, value in expected.items():
        mark = "ok" if got[key] == value else "DIFFERENT"
        print(f"  {key:<10} expected {value:>6,}  got {got[key]:>6,}  {mark}")

    before = Patient.objects.filter(clinic=clinic).count()
    seconds = commit_and_wait(actor, job, interrupt=args.interrupt)
    job = PatientImport.objects.get(pk=job.pk)
    created = Patient.objects.filter(clinic=clinic).count() - before
    print(
        f"Commit: {seconds:.1f} s through a worker process ({args.rows / seconds:,.0f} rows/s); "
        f"status {job.status}, created {job.created:,} (patients added {created:,}), "
        f"skipped {job.skipped:,}, failed {job.failed:,}"
    )

    again, seconds = preview(actor, text)
    before = Patient.objects.filter(clinic=clinic).count()
    commit_and_wait(actor, again, interrupt=False)
    again = PatientImport.objects.get(pk=again.pk)
    created = Patient.objects.filter(clinic=clinic).count() - before
    print(
        f"Re-import of the same file: preview {seconds:.1f} s, {again.rows_existing:,} already "
        f"in the clinic; created {again.created} (patients added {created})"
    )

    audit = manage("verify_audit", check=False)
    print(f"verify_audit: exit {audit.returncode}")
    print("  " + "\n  ".join((audit.stdout + audit.stderr).strip().splitlines()[-6:]))


if __name__ == "__main__":
    main()
