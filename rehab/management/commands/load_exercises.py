"""Reload the shipped exercise library after rehab/data/exercises.json changes."""

from django.core.management.base import BaseCommand
from django.db import transaction

from rehab.library import load_shipped_exercises, read_library
from rehab.models import Exercise, ExerciseStage


class Command(BaseCommand):
    help = (
        "Create or update the shipped exercises from rehab/data/exercises.json (validated "
        "first). Shipped exercises no longer in the file are retired, never deleted. "
        "Clinic-own exercises are not touched. Safe to run again."
    )

    def handle(self, *args, **options):
        entries = read_library()
        with transaction.atomic():
            count = load_shipped_exercises(Exercise, ExerciseStage, entries)
        self.stdout.write(self.style.SUCCESS(f"{count} shipped exercises loaded."))
