"""Generate a large, realistic data set in the demo clinic, for benchmarks (bench/load.py).

Patients get names from sizeable given/family name lists, ages, sexes and identifiers
``SC-0000001``...; each gets K assessments built from the demo presentations
(``assessments.demo.CASES``, one per diagnosis) with random variation, evaluated by
``pht.rules`` through ``assessments.reasoning`` exactly as the services do, so the stored
snapshots and summary columns are what the app itself would store.

Deliberate differences from data entered through the app, so that 300,000 assessments load
in minutes:

- rows are written with ``bulk_create`` in batches, not through ``assessments.services``;
- no change-history rows and no access-log rows are written for seeded records. The
  hash-chained audit tables are left untouched, so ``verify_audit`` still passes; the
  records' audit trail simply starts at their first change through the app.

Everything is derived from ``--seed`` and the patient's number, so a run is reproducible and
can be resumed: patients whose identifier already exists are skipped (idempotent by the
``SC-`` prefix), so re-running with a larger ``--patients`` only adds the missing ones.
Evaluations run in worker processes (``--workers``) while the main process inserts.
"""

from __future__ import annotations

import collections
import datetime
import itertools
import multiprocessing
import random
import sys
import time
import uuid

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.utils import timezone

from assessments import reasoning
from assessments.demo import CASES, DEFAULT_FIELDS, DEMO_CLINIC, DEMO_PATIENTS, _test_details
from assessments.models import Assessment, Patient
from pht.models import Clinic, Membership, User
from pht.rules import FindingsError

PREFIX = "SC-"
# Seconds to wait for one batch from a worker before giving up.
BATCH_TIMEOUT = 600


def _words(text: str) -> list[str]:
    return text.split()


GIVEN_FEMALE = _words(
    """
Abigail Ada Aisha Alice Amara Amelia Ana Anna Aoife Ava Beatriz Bella Bethan Camille Carmen
Charlotte Chiara Chloe Claire Daniela Eilidh Elena Eleanor Eliza Ella Emily Emma Erin Esme
Eva Evie Fatima Freya Gabriela Grace Hannah Harriet Imogen Ines Ingrid Isabel Isla Ivy Jade
Jasmine Julia Katie Kavya Laila Laura Leah Lena Lily Lucia Lucy Maeve Maja Maria Martha
Maryam Matilda Maya Mei Mia Mila Nadia Naomi Niamh Nina Nora Olivia Phoebe Poppy Priya Rachel
Rosa Rose Ruby Sara Scarlett Sienna Sofia Sophie Tara Thea Valentina Wiktoria Willow Yasmin
Zara Zoe Agnieszka Bronwen Deepa Freja Hana Ife Keira Leonie Rhiannon Saoirse Tamsin Yuki
"""
)
GIVEN_MALE = _words(
    """
Aaron Adam Adrian Ahmed Alex Alfie Ali Andrew Arjun Arthur Ben Callum Carlos Charlie Ciaran
Daniel David Dylan Elijah Ethan Felix Finlay Finn Freddie Gabriel George Harry Harvey Henry
Hugo Ibrahim Isaac Jack Jacob Jake James Jamie Joao Jonah Joseph Joshua Kai Kieran Leo Leon
Liam Lewis Logan Louis Luca Lucas Luke Marco Mark Marcus Mason Mateo Matthew Max Michael
Mohammed Nathan Niall Noah Oliver Omar Oscar Owen Patrick Paul Pedro Peter Rafael Ravi Reuben
Rhys Robert Rory Ryan Sam Samuel Sebastian Simon Stefan Teddy Theo Thomas Toby Tom Tomasz
William Yusuf Zach Aled Bartosz Dafydd Emeka Hamish Kenji Lorcan Piotr Rohan Sanjay Tariq
"""
)
FAMILY = _words(
    """
Abbott Adams Adeyemi Ahmed Ali Allen Anderson Andersson Armstrong Atkinson Bailey Baker Ball
Banerjee Barker Barnes Bell Bennett Berg Bianchi Bird Black Bond Booth Bowen Boyle Bradley
Brennan Brooks Brown Bruno Burke Butler Byrne Campbell Carter Chan Chapman Chen Clark Clarke
Cole Collins Cook Cooper Costa Cox Crawford Cunningham Das Davies Dawson Dixon Doherty Doyle
Duncan Dunn Edwards Ellis Evans Farrell Ferguson Fernandes Fischer Fitzgerald Fleming Fletcher
Flynn Foster Fox Fraser Gallagher Garcia Gardner Gibson Gill Gonzalez Gordon Graham Grant Gray
Green Griffiths Gupta Hall Hamilton Hansen Harris Harrison Hart Harvey Hayes Henderson Hill
Holmes Hossain Howard Hughes Hunt Hussain Iqbal Jackson James Jansen Jenkins Johnson Johnston
Jones Kaur Kelly Kennedy Khan Kim King Knight Kowalski Kumar Lambert Lane Larsen Lawrence Lee
Lewis Li Lindqvist Lloyd Lopez Lynch Macdonald Mackenzie Malik Marshall Martin Martinez Mason
Matthews Mccarthy Mills Mitchell Moore Moreno Morgan Morris Murphy Murray Nakamura Nguyen
Nielsen Novak Nowak Obi Okafor Oliveira Owen Palmer Parker Patel Pearson Perez Perry Phillips
Powell Price Quinn Rahman Reid Reyes Reynolds Richards Richardson Roberts Robertson Robinson
Rodriguez Rogers Romano Rossi Russell Ryan Santos Saunders Schmidt Scott Shah Sharma Shaw
Silva Simpson Singh Smith Spencer Stewart Sullivan Sutherland Tanaka Taylor Thomas Thompson
Turner Walker Wallace Walsh Ward Watson Webb Wells White Wilkinson Williams Wilson Wood Wright
Yamamoto Young Zielinski
"""
)
NOTES = (
    "",
    "",
    "Club runner.",
    "Marathon training.",
    "Desk job, long hours sitting.",
    "Parkrun regular.",
    "Hockey player.",
    "Footballer.",
    "Triathlete.",
    "Returning to running after a break.",
    "Dancer.",
    "Rugby player.",
)

# The demo presentations as templates: (findings, extra fields, age, sex).
_DEMO_PEOPLE = {row[0]: row for row in DEMO_PATIENTS}
TEMPLATES = [
    (
        findings,
        fields,
        2026 - int(_DEMO_PEOPLE[identifier][3][:4]),
        _DEMO_PEOPLE[identifier][4],
    )
    for identifier, rows in CASES.items()
    for _days, findings, fields, _sign, _action, _visa in rows
]
# Tendinopathy dominates a hamstring clinic's case mix; the mimics stay common enough to list.
TEMPLATE_WEIGHTS = [
    4 if fields.get("working_diagnosis") == "proximal_hamstring_tendinopathy" else 1
    for _f, fields, _a, _s in TEMPLATES
]
_DROPPABLE = (
    "night_pain",
    "morning_stiffness",
    "previous_episodes",
    "recent_training_load_change",
    "pain_worse_after_activity",
    "sitting_tolerance_min",
    "bent_knee_stretch",
    "modified_bent_knee_stretch",
)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _vary(rng: random.Random, findings: dict, visit: int) -> dict:
    """A copy of a template with plausible variation; later visits are a little better."""
    varied = dict(findings)
    for key in ("pain_nprs_now", "pain_nprs_worst"):
        if key in varied:
            varied[key] = max(0, min(10, varied[key] + rng.randint(-2, 2) - visit))
    if "pain_nprs_now" in varied and "pain_nprs_worst" in varied:
        varied["pain_nprs_now"] = min(varied["pain_nprs_now"], varied["pain_nprs_worst"])
    if "sitting_tolerance_min" in varied:
        varied["sitting_tolerance_min"] = max(
            0, int(varied["sitting_tolerance_min"] * rng.uniform(0.6, 1.6)) + 10 * visit
        )
    if "duration_weeks" in varied:
        varied["duration_weeks"] = round(varied["duration_weeks"] * rng.uniform(0.6, 1.5), 1)
    for key in _DROPPABLE:
        if key in varied and rng.random() < 0.1:
            del varied[key]
    return varied


def _phone(index: int) -> str:
    """A UK mobile-style number, distinct per patient (fictional data)."""
    digits = f"{index * 7_919 % 1_000_000_000:09d}"
    return f"07{digits[:3]} {digits[3:]}"


def _generate(args: tuple) -> list[tuple[dict, list[dict]]]:
    """Patients and evaluated assessments for ``indices``: plain dicts, no database access."""
    indices, seed, k, today_ordinal = args
    today = datetime.date.fromordinal(today_ordinal)
    out = []
    for index in indices:
        rng = random.Random(seed * 1_000_003 + index)
        findings0, fields0, age0, sex0 = rng.choices(TEMPLATES, weights=TEMPLATE_WEIGHTS)[0]
        sex = sex0 if rng.random() < 0.9 else ("male" if sex0 == "female" else "female")
        given = rng.choice(GIVEN_FEMALE if sex == "female" else GIVEN_MALE)
        age = max(12, min(88, age0 + rng.randint(-8, 8)))
        first_visit = today - datetime.timedelta(days=rng.randint(30, 3 * 365))
        dob = first_visit - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        patient = {
            "id": _uuid(rng),
            "identifier": f"{PREFIX}{index + 1:07d}",
            "given_name": given,
            "family_name": rng.choice(FAMILY),
            "date_of_birth": dob,
            "sex": sex if rng.random() < 0.97 else "not_stated",
            "notes": rng.choice(NOTES),
            "archived": rng.random() < 0.02,
            # Not drawn from rng, so every other value stays what earlier seeds gave.
            "phone": _phone(index),
        }
        person = _Person(dob, patient["sex"])
        assessments = []
        day = first_visit
        for visit in range(k):
            if day > today:
                break
            recorded = _vary(rng, findings0, visit)
            side = fields0.get("side", "") or rng.choice(("left", "right", ""))
            findings = reasoning.build_findings(
                patient=person, assessed_on=day, side=side, recorded=recorded
            )
            try:
                evaluation = reasoning.evaluate(findings)
            except FindingsError:
                recorded = dict(findings0)
                findings = reasoning.build_findings(
                    patient=person, assessed_on=day, side=side, recorded=recorded
                )
                evaluation = reasoning.evaluate(findings)
            last = visit == k - 1
            data = {
                **DEFAULT_FIELDS,
                **fields0,
                "side": side,
                **_test_details(recorded, side),
                "id": _uuid(rng),
                "assessed_on": day,
                "findings": recorded,
                "evaluated_findings": evaluation["findings"],
                "evaluation": evaluation,
                "rules_version": evaluation["rules_version"],
                **reasoning.summary_columns(evaluation),
                # Most are signed; the latest visit is sometimes still a draft.
                "signed": not (last and rng.random() < 0.15),
            }
            assessments.append(data)
            day += datetime.timedelta(days=rng.randint(10, 60))
        out.append((patient, assessments))
    return out


class _Person:
    """What ``reasoning.build_findings`` reads from a patient, without a model instance."""

    __slots__ = ("date_of_birth", "sex")

    def __init__(self, date_of_birth, sex):
        self.date_of_birth, self.sex = date_of_birth, sex

    age_on = Patient.age_on


class _Progress:
    """A plain-text progress bar on stderr (redrawn at most twice a second)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.stream = total, 0, stream
        self.started = self.drawn = time.monotonic()

    def advance(self, n: int, extra: str = "") -> None:
        self.done += n
        now = time.monotonic()
        if now - self.drawn < 0.5 and self.done < self.total:
            return
        self.drawn = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed else 0
        eta = (self.total - self.done) / rate if rate else 0
        filled = int(30 * self.done / self.total) if self.total else 30
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,} patients "
            f"{rate:,.0f}/s, {elapsed:.0f}s elapsed, ETA {eta:.0f}s {extra}  "
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Generate N patients with K assessments each in the demo clinic for benchmarks "
        "(identifiers SC-0000001...). Deterministic for a --seed; re-runnable: existing SC- "
        "patients are skipped. Writes no change-history or access-log rows (verify_audit "
        "stays intact)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1000)
        parser.add_argument("--assessments-per-patient", type=int, default=3)
        parser.add_argument("--seed", type=int, default=8)
        parser.add_argument("--batch-size", type=int, default=500, help="patients per insert")
        parser.add_argument(
            "--workers",
            type=int,
            default=multiprocessing.cpu_count(),
            help="processes evaluating the rules (0: evaluate in this process)",
        )

    def handle(self, *args, **options):
        n, k = options["patients"], options["assessments_per_patient"]
        if n < 0 or k < 0 or n > 10_000_000 or k > 100:
            raise CommandError(
                "--patients must be 0..10,000,000 and --assessments-per-patient 0..100."
            )
        clinic = Clinic.objects.filter(name=DEMO_CLINIC).first()
        if clinic is None:
            call_command("seed_demo", stdout=self.stdout)
            clinic = Clinic.objects.get(name=DEMO_CLINIC)
        clinicians = list(
            User.objects.filter(memberships__clinic=clinic)
            .filter(memberships__role=Membership.Role.CLINICIAN)
            .order_by("username")
        ) or list(User.objects.filter(memberships__clinic=clinic).order_by("username"))
        existing = set(
            Patient.objects.filter(clinic=clinic, identifier__startswith=PREFIX).values_list(
                "identifier", flat=True
            )
        )
        todo = [i for i in range(n) if f"{PREFIX}{i + 1:07d}" not in existing]
        self.stderr.write(
            f"{len(existing):,} scale patients exist; adding {len(todo):,} "
            f"with up to {k} assessments each."
        )
        if not todo:
            self._refresh_statistics()  # a server without autovacuum may never have run it
            return
        size = max(1, options["batch_size"])
        jobs = [
            (todo[i : i + size], options["seed"], k, timezone.localdate().toordinal())
            for i in range(0, len(todo), size)
        ]
        started = time.monotonic()
        progress = _Progress(len(todo))
        counts = [0, 0]
        workers = options["workers"]
        if workers > 0:
            # Fork workers before the main process holds a database connection.
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                # A bounded window of batches in flight keeps memory flat when the
                # workers evaluate faster than this process inserts.
                queue, pending = iter(jobs), collections.deque()
                for job in itertools.islice(queue, 2 * workers):
                    pending.append(pool.apply_async(_generate, (job,)))
                while pending:
                    batch = pending.popleft().get(timeout=BATCH_TIMEOUT)
                    job = next(queue, None)
                    if job is not None:
                        pending.append(pool.apply_async(_generate, (job,)))
                    self._insert(batch, clinic, clinicians, counts)
                    progress.advance(len(batch), f"({counts[1]:,} assessments)")
        else:
            for job in jobs:
                batch = _generate(job)
                self._insert(batch, clinic, clinicians, counts)
                progress.advance(len(batch), f"({counts[1]:,} assessments)")
        progress.close()
        self._refresh_statistics()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {counts[0]:,} patients and {counts[1]:,} assessments in {elapsed:.1f}s "
                f"({counts[1] / elapsed if elapsed else 0:,.0f} assessments/s)."
            )
        )

    def _refresh_statistics(self) -> None:
        """VACUUM ANALYZE the bulk-loaded tables on PostgreSQL.

        Without planner statistics after a bulk load, PostgreSQL plans for empty tables
        (patient search at 30 req/s instead of 200 in bench/load.py) until autovacuum gets
        to them, and a server can run with autovacuum off. VACUUM also sets the visibility
        map that index-only scans need.
        """
        connection = connections["default"]
        if connection.vendor != "postgresql":
            return
        # VACUUM cannot run inside a transaction (a caller's atomic block, or a test's).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        self.stdout.write(f"Refreshing planner statistics ({command}) ...")
        with connection.cursor() as cursor:
            for model in (Patient, Assessment):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")

    @transaction.atomic
    def _insert(self, batch, clinic, clinicians, counts) -> None:
        now = timezone.now()
        patients, assessments = [], []
        for number, (p, rows) in enumerate(batch):
            clinician = clinicians[number % len(clinicians)]
            archived = p.pop("archived")
            patient = Patient(
                clinic=clinic,
                archived_at=now if archived else None,
                archived_by=clinician if archived else None,
                **p,
            )
            patient.refresh_search_columns()  # what the patient service would store
            patients.append(patient)
            for row in rows:
                signed = row.pop("signed")
                urgent = row["red_flag_urgency"] in ("emergency", "urgent")
                assessments.append(
                    Assessment(
                        patient_id=p["id"],
                        clinic=clinic,
                        clinician=clinician,
                        evaluated_at=now,
                        status=Assessment.Status.SIGNED if signed else Assessment.Status.DRAFT,
                        signed_at=now if signed else None,
                        signed_by=clinician if signed else None,
                        red_flag_action="referral_made" if signed and urgent else "",
                        red_flag_action_note="Referred the same day." if signed and urgent else "",
                        working_diagnosis=row.pop("working_diagnosis", "")
                        or (row["top_diagnosis"] if signed else ""),
                        **row,
                    )
                )
        Patient.objects.bulk_create(patients)
        Assessment.objects.bulk_create(assessments, batch_size=1000)
        counts[0] += len(patients)
        counts[1] += len(assessments)
