"""Create the demo clinics, users, patients, assessments and rehab plans. Safe to run again.

It lives in ``rehab``, the highest clinical app, because it seeds both layers: the people and
assessments (``assessments.demo``) and the plans on them (``rehab.demo``).
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from assessments.demo import (
    DEMO_CLINIC,
    DEMO_PASSWORD,
    DEMO_USERS,
    seed_demo_assessments,
    seed_demo_people,
)
from rehab.demo import seed_demo_plans


class Command(BaseCommand):
    help = (
        "Create the demo clinics ('Demo Physio Clinic', 'Other Clinic'), the demo users physio, "
        "clinicadmin and otherphysio (password pht-demo-2026) and demo patients. Idempotent: "
        "existing records are kept and demo passwords are reset."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        clinics, users, created = seed_demo_people()
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
