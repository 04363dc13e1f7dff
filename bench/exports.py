"""Benchmark the exports: summary PDF render time, CSV rows per second, CSV peak memory.

Not a test. Runs against a throwaway test database (a temporary SQLite file unless
DATABASE_URL points at PostgreSQL, where Django creates and drops ``test_<name>``), seeds
``--assessments`` rows (default 2,000) and prints the figures:

    DEBUG=1 .venv/bin/python bench/exports.py
    DEBUG=1 .venv/bin/python bench/exports.py --assessments 100000

Seeding writes the rows with bulk_create, copying one real snapshot made through the services
(the UI never bulk-writes; this is only test data). Peak memory is measured with tracemalloc
(Python allocations) around the full CSV stream; rows per second are timed in a separate pass
without tracemalloc, which slows allocation-heavy code.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

BATCH = 2000


def seed(n_assessments: int):
    from assessments import services
    from assessments.models import Assessment, Patient
    from pht.audit import Actor
    from pht.models import Clinic, Membership, User
    from tests.factories import PHT_FINDINGS, make_entry

    clinic = Clinic.objects.create(name="Bench Clinic")
    user = User.objects.create_user("bench", password=None, first_name="Bea", last_name="Bench")
    Membership.objects.create(user=user, clinic=clinic, role=Membership.Role.CLINIC_ADMIN)
    actor = Actor(user, clinic)
    first = services.create_patient(
        actor=actor,
        data={
            "identifier": "B-000000",
            "given_name": "Bench",
            "family_name": "Patient",
            "date_of_birth": datetime.date(1980, 1, 1),
            "sex": "female",
        },
    )
    findings = {**PHT_FINDINGS, "fever": True, "imaging": {"mri": "Thickened origin"}}
    template = services.create_assessment(
        actor=actor, patient=first, entry=make_entry(patient=first, findings=findings)
    )
    template = services.sign_assessment(
        actor=actor,
        assessment=template,
        lock_version=template.lock_version,
        red_flag_action="referral_made",
    )
    n_patients = max(1, n_assessments // 5)
    for start in range(1, n_patients, BATCH):
        batch = [
            Patient(
                clinic=clinic,
                identifier=f"B-{i:06d}",
                given_name=f"Given{i}",
                family_name=f"Family{i}",
                date_of_birth=datetime.date(1980, 1, 1),
            )
            for i in range(start, min(start + BATCH, n_patients))
        ]
        for patient in batch:
            patient.refresh_search_columns()  # what the patient service would store
        Patient.objects.bulk_create(batch)
    patient_ids = list(Patient.objects.filter(clinic=clinic).values_list("id", flat=True))
    copied = {
        name: getattr(template, name)
        for name in (
            "side",
            "status",
            "findings",
            "evaluated_findings",
            "evaluation",
            "rules_version",
            "evaluated_at",
            "top_diagnosis",
            "stage",
            "post_test_probability",
            "red_flag_urgency",
            "working_diagnosis",
            "red_flag_action",
            "signed_at",
            "puranen_orava_pain",
            "bent_knee_stretch_pain",
            "modified_bent_knee_stretch_pain",
        )
    }
    day0 = datetime.date(2020, 1, 1)
    for start in range(1, n_assessments, BATCH):
        Assessment.objects.bulk_create(
            Assessment(
                patient_id=patient_ids[i % len(patient_ids)],
                clinic=clinic,
                clinician=user,
                signed_by=user,
                assessed_on=day0 + datetime.timedelta(days=i % 2000),
                **copied,
            )
            for i in range(start, min(start + BATCH, n_assessments))
        )
    return clinic, template


def bench_pdf(template, repeats: int) -> list[float]:
    from exports import summary

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pdf = summary.render_pdf(summary.summary_context(template))
        times.append(time.perf_counter() - started)
    assert pdf.startswith(b"%PDF")
    return times


def consume_csv(queryset) -> tuple[int, int]:
    """Stream the CSV to nowhere: (rows, bytes). The stream yields blocks of many lines."""
    from exports import csv as csv_export

    size = sum(len(block) for block in csv_export.stream_assessments(queryset))
    return queryset.count(), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=2000)
    parser.add_argument("--pdf-repeats", type=int, default=5)
    args = parser.parse_args()

    from assessments.models import Assessment

    setup_test_environment()
    tmp = tempfile.TemporaryDirectory(prefix="pht-bench-")
    if connection.vendor == "sqlite":
        # A file, not memory: 100,000 snapshots do not fit comfortably in RAM.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"database: {connection.vendor}; seeding {args.assessments:,} assessments ...")
        started = time.perf_counter()
        clinic, template = seed(args.assessments)
        print(f"seeded in {time.perf_counter() - started:.1f} s")

        times = bench_pdf(template, args.pdf_repeats)
        print(
            f"summary PDF render: median {statistics.median(times) * 1000:.0f} ms, "
            f"first {times[0] * 1000:.0f} ms, best {min(times) * 1000:.0f} ms "
            f"({args.pdf_repeats} renders)"
        )

        queryset = Assessment.objects.filter(clinic=clinic)
        started = time.perf_counter()
        rows, size = consume_csv(queryset)
        elapsed = time.perf_counter() - started
        print(
            f"CSV ({connection.vendor}): {rows:,} rows, {size / 1e6:.1f} MB in {elapsed:.2f} s = "
            f"{rows / elapsed:,.0f} rows/s"
        )

        for label, qs in (
            (
                f"a tenth ({max(1, rows // 10):,} rows)",
                queryset.filter(pk__in=queryset.order_by("id").values("id")[: max(1, rows // 10)]),
            ),
            (f"all {rows:,} rows", queryset),
        ):
            tracemalloc.start()
            consume_csv(qs)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"CSV peak Python memory (tracemalloc), {label}: {peak / 1e6:.1f} MB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        tmp.cleanup()


if __name__ == "__main__":
    main()
