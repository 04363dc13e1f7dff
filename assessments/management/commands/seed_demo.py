"""Create the demo clinics, users and patients. Safe to run again: nothing is duplicated."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction

from assessments import services
from assessments.demo import seed_demo_assessments
from assessments.models import Patient
from pht.audit import Actor
from pht.models import Clinic, Membership, User
from rehab.demo import seed_demo_plans

DEMO_PASSWORD = "pht-demo-2026"
DEMO_CLINIC = "Demo Physio Clinic"
OTHER_CLINIC = "Other Clinic"

# username, first name, last name, clinic, role
DEMO_USERS = [
    ("physio", "Priya", "Shah", DEMO_CLINIC, Membership.Role.CLINICIAN),
    ("clinicadmin", "Tom", "Okafor", DEMO_CLINIC, Membership.Role.CLINIC_ADMIN),
    ("otherphysio", "Lena", "Fischer", OTHER_CLINIC, Membership.Role.CLINICIAN),
]

# identifier, given, family, date of birth, sex, notes
DEMO_PATIENTS = [
    (
        "DPC-1001",
        "Hannah",
        "Clarke",
        "1988-03-14",
        "female",
        "Marathon runner, training for spring race.",
    ),
    ("DPC-1002", "James", "O'Brien", "1979-11-02", "male", "Club 10k runner; desk job."),
    ("DPC-1003", "Aisha", "Rahman", "1995-06-21", "female", "Hockey player."),
    (
        "DPC-1004",
        "Tomasz",
        "Nowak",
        "1969-01-30",
        "male",
        "Trail runner, hill sessions twice weekly.",
    ),
    (
        "DPC-1005",
        "Chloe",
        "Bennett",
        "2009-09-09",
        "female",
        "Sprinter and hurdler (school athletics).",
    ),
    ("DPC-1006", "Marcus", "Reid", "1983-04-18", "male", "Footballer, Sunday league."),
    ("DPC-1007", "Sofia", "Rossi", "1974-12-05", "female", "Yoga teacher and recreational runner."),
    ("DPC-1008", "David", "Evans", "1958-07-27", "male", "Parkrun regular."),
    ("DPC-1009", "Grace", "Adeyemi", "1991-02-11", "female", "Triathlete."),
    ("DPC-1010", "Liam", "Murphy", "1999-08-23", "male", "Water-skier; referred after a fall."),
    ("DPC-1011", "Emily", "Walsh", "1986-05-03", "female", "Ultra-distance runner."),
    ("DPC-1012", "Ravi", "Patel", "1965-10-16", "male", "Returning to running after a long break."),
    (
        "DPC-1013",
        "Isabel",
        "Moreno",
        "1977-03-29",
        "female",
        "Pilates instructor; long hours driving.",
    ),
    ("DPC-1014", "Oliver", "Hughes", "2002-12-12", "male", "University rugby player."),
]

OTHER_PATIENTS = [
    ("OC-2001", "Karin", "Lindqvist", "1981-04-07", "female", "Orienteer."),
    ("OC-2002", "Peter", "Novak", "1972-09-19", "male", "Cyclist and runner."),
    ("OC-2003", "Mei", "Tanaka", "1993-01-25", "female", "Dancer."),
]


class Command(BaseCommand):
    help = (
        "Create the demo clinics ('Demo Physio Clinic', 'Other Clinic'), the demo users physio, "
        "clinicadmin and otherphysio (password pht-demo-2026) and demo patients. Idempotent: "
        "existing records are kept and demo passwords are reset."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        clinics = {
            name: Clinic.objects.get_or_create(name=name)[0] for name in (DEMO_CLINIC, OTHER_CLINIC)
        }
        users = {}
        for username, first, last, clinic_name, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.update_or_create(
                user=user, clinic=clinics[clinic_name], defaults={"role": role}
            )
            users[username] = user

        created = self._patients(Actor(users["physio"], clinics[DEMO_CLINIC]), DEMO_PATIENTS)
        created += self._patients(
            Actor(users["otherphysio"], clinics[OTHER_CLINIC]), OTHER_PATIENTS
        )
        assessments = seed_demo_assessments(clinic=clinics[DEMO_CLINIC], clinician=users["physio"])
        plans = seed_demo_plans(clinic=clinics[DEMO_CLINIC], clinician=users["physio"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} new patients, {assessments} new assessments, "
                f"{plans} new rehab plans)."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, _first, _last, clinic_name, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role.label:<13} {clinic_name}")

    def _patients(self, actor: Actor, rows) -> int:
        created = 0
        for identifier, given, family, dob, sex, notes in rows:
            if Patient.objects.filter(clinic=actor.clinic, identifier__iexact=identifier).exists():
                continue
            services.create_patient(
                actor=actor,
                data={
                    "identifier": identifier,
                    "given_name": given,
                    "family_name": family,
                    "date_of_birth": datetime.date.fromisoformat(dob),
                    "sex": sex,
                    "notes": notes,
                },
            )
            created += 1
        return created
