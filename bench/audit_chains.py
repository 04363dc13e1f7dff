"""Audited-write throughput: writers on one clinic against writers spread over four. Prints figures.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python
bench/audit_chains.py [--writers 8] [--duration 15] [--rounds 3] [--warmup 5] [--hold-ms
0]``. PostgreSQL only (SQLite has one write lock for the whole file, so clinics always queue
there; it is refused). Never run by the tests. What it does:

1. creates a throw-away database ``pht_bench_chains_<random>`` on the server of
   ``DATABASE_URL`` (whose own database is not touched), migrates it, creates 4 clinics, each
   with a clinician and one patient per writer, and ANALYZEs the tables;
2. runs one untimed warm-up run (``--warmup`` seconds) of each kind, then for each round two
   timed runs of ``--duration`` seconds: ``--writers`` writer processes (as gunicorn workers
   are), all on clinic 1 ("1 clinic"), then spread round-robin over the 4 clinics ("4
   clinics"). Each writer changes its own patient's phone number in a loop through
   ``assessments.services.update_patient``: one transaction that locks and updates the
   patient row, appends its change-history row and one access-log row (two audited rows),
   and commits — what a real save writes, the chain lock held from the first append to the
   commit. Writers never touch the same patient, so only the audit chains can make them wait
   on each other. ``--hold-ms`` keeps each transaction open that long after its appends (the
   lock still held): the round trips to a database on another host, or the rest of a
   request's work, which on this loopback machine cost next to nothing;
3. prints each run's transactions, audited rows/s and the median of the rounds for each, the
   ratio of the medians (4 clinics / 1 clinic) and the median of each round's own ratio (its
   two runs back to back, the figure least moved by other load on a shared machine): near 1
   when every clinic queues behind the same lock, above 1 when clinics write side by side
   (bounded by the machine's cores);
4. runs ``verify_audit`` on the result, then drops the database (also on Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
CLINICS = 4
ROWS_PER_TRANSACTION = 2  # the history row and the access-log row


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8, help="writer processes (8)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per run (15)")
    parser.add_argument("--rounds", type=int, default=3, help="1-clinic + 4-clinic pairs (3)")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of each run first, not counted (5)"
    )
    parser.add_argument(
        "--hold-ms",
        type=float,
        default=0.0,
        help="milliseconds each transaction stays open after its appends (0)",
    )
    return parser.parse_args()


def server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/audit_chains.py measures PostgreSQL's per-clinic locks: set DATABASE_URL to "
            "a PostgreSQL server (e.g. postgres://postgres@127.0.0.1:5432/postgres). SQLite has "
            "one write lock for the whole file, so there is nothing to compare there."
        )
    return url


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pht.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(writers: int) -> list[tuple[str, int, list[str]]]:
    """The clinics as (clinic id, clinician id, patient ids): one patient per writer."""
    import datetime

    from assessments.models import Patient
    from pht.models import Clinic, Membership, User

    out = []
    for n in range(CLINICS):
        clinic = Clinic.objects.create(name=f"Bench clinic {n + 1}")
        user = User.objects.create_user(f"bench{n + 1}", password=secrets.token_urlsafe())
        Membership.objects.create(user=user, clinic=clinic)
        patients = [
            Patient.objects.create(
                clinic=clinic,
                identifier=f"B{n + 1}-{w:04d}",
                given_name="Bench",
                family_name=f"Writer{w}",
                date_of_birth=datetime.date(1980, 1, 1 + w % 28),
                sex="female",
            )
            for w in range(writers)
        ]
        out.append((str(clinic.pk), user.pk, [str(p.pk) for p in patients]))
    return out


def writer(clinic_id, user_id, patient_id, start, deadline_after, hold, results) -> None:
    """One process: change its patient's phone until the deadline; report transactions."""
    from django.db import connections, transaction

    connections.close_all()  # never share the parent's connection
    from assessments import services
    from assessments.models import Patient
    from pht.audit import Actor
    from pht.models import Clinic, User

    actor = Actor(
        user=User.objects.get(pk=user_id),
        clinic=Clinic.objects.get(pk=clinic_id),
        ip_address="127.0.0.1",
    )
    patient = Patient.objects.get(pk=patient_id)
    done = 0
    start.wait()
    deadline = time.monotonic() + deadline_after
    while time.monotonic() < deadline:
        with transaction.atomic():
            services.update_patient(actor=actor, patient=patient, data={"phone": f"0{done:09d}"})
            if hold:
                time.sleep(hold)  # the chain lock is held until the commit
        done += 1
    results.put(done)
    connections.close_all()


def run(clinics, spread: int, writers: int, duration: float, hold: float = 0.0) -> int:
    """One timed run: transactions committed by all writers together."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(writers + 1), context.Queue()
    procs = []
    for w in range(writers):
        clinic_id, user_id, patients = clinics[w % spread]
        procs.append(
            context.Process(
                target=writer,
                args=(clinic_id, user_id, patients[w], start, duration, hold, results),
            )
        )
    for proc in procs:
        proc.start()
    start.wait()
    total = sum(results.get(timeout=duration + 120) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
    return total


def analyze() -> None:
    """Planner statistics for the fresh tables, as a database in use has them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def describe_server() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
    return f"PostgreSQL {version.split()[0]}, synchronous_commit={sync}"


def measure(args, clinics) -> dict[int, list[float]]:
    if args.warmup:
        for spread in (1, CLINICS):
            run(clinics, spread, args.writers, args.warmup, args.hold_ms / 1000)
    rates: dict[int, list[float]] = {1: [], CLINICS: []}
    for round_ in range(1, args.rounds + 1):
        for spread in (1, CLINICS):
            count = run(clinics, spread, args.writers, args.duration, args.hold_ms / 1000)
            rate = count * ROWS_PER_TRANSACTION / args.duration
            rates[spread].append(rate)
            label = "1 clinic " if spread == 1 else f"{spread} clinics"
            print(
                f"round {round_}  {label}: {count:>6} transactions, {rate:8.1f} audited rows/s",
                flush=True,
            )
    return rates


def main() -> None:
    args = parse_args()
    url = server_url()
    name = f"pht_bench_chains_{secrets.token_hex(4)}"
    admin(url, f'CREATE DATABASE "{name}"')
    try:
        setup_django(with_database(url, name))
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        clinics = seed(args.writers)
        analyze()
        print(
            f"audit_chains: {describe_server()}, {os.cpu_count()} CPUs, {args.writers} writer "
            f"processes, {args.duration:g} s per run, {args.rounds} round(s); each transaction: "
            "update_patient (patient row, its history row, one access-log row)"
            + (f", then open {args.hold_ms:g} ms more" if args.hold_ms else ""),
            flush=True,
        )
        rates = measure(args, clinics)
        one, four = statistics.median(rates[1]), statistics.median(rates[CLINICS])
        print(f"median  1 clinic : {one:8.1f} audited rows/s")
        print(f"median  {CLINICS} clinics: {four:8.1f} audited rows/s")
        print(f"ratio {CLINICS} clinics / 1 clinic: {four / one:.2f}")
        # Each round's two runs are back to back: their ratio is the least touched by load
        # that comes and goes on a shared machine.
        pairs = [b / a for a, b in zip(rates[1], rates[CLINICS], strict=True)]
        print(f"median of the rounds' ratios: {statistics.median(pairs):.2f}")
        call_command("verify_audit", verbosity=0, stdout=io.StringIO())
        print("verify_audit: chains intact")
    finally:
        from django.db import connections

        connections.close_all()
        admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
