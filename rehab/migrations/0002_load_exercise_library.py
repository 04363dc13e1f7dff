"""Load the shipped exercise library so that every fresh install has it.

Re-runnable: shipped exercises are matched by slug (clinic null) and updated. Later
changes to rehab/data/exercises.json are loaded with ``manage.py load_exercises``.
"""

from django.db import migrations


def load(apps, schema_editor):
    from rehab.library import load_shipped_exercises, read_library

    load_shipped_exercises(
        apps.get_model("rehab", "Exercise"),
        apps.get_model("rehab", "ExerciseStage"),
        read_library(),
    )


class Migration(migrations.Migration):
    dependencies = [("rehab", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
