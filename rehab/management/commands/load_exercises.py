"""Reload the shipped exercise library after rehab/data/exercises.json changes."""

from django.core.management.base import BaseCommand

from rehab import services


class Command(BaseCommand):
    help = (
        "Create or update the shipped exercises from rehab/data/exercises.json (validated "
        "first). Shipped exercises no longer in the file are retired, never deleted. "
        "Clinic-own exercises are not touched. Safe to run again."
    )

    def handle(self, *args, **options):
        count = services.load_shipped_library()
        self.stdout.write(self.style.SUCCESS(f"{count} shipped exercises loaded."))
