"""Fill the search columns of existing patients, and index them for substring search.

``search_name`` and ``phone_digits`` (assessments/search.py) are kept by the patient service
from now on; this fills them once for the patients already stored. ``bulk_update`` writes no
change-history row: the columns are derived and excluded from the history.

On PostgreSQL, GIN trigram indexes serve ``search_name LIKE '%term%'`` and
``phone_digits LIKE '%digits%'`` (as migration 0006 does for the raw columns, which Django's
admin search still uses). SQLite has no pg_trgm: there only the data is filled.
"""

from django.db import migrations

from assessments import search

CHUNK = 2000
TRIGRAM_COLUMNS = ("search_name", "phone_digits")


def fill(apps, schema_editor):
    Patient = apps.get_model("assessments", "Patient")
    last = None
    while True:
        rows = Patient.objects.order_by("pk")
        if last is not None:
            rows = rows.filter(pk__gt=last)
        chunk = list(rows.only("id", "family_name", "given_name", "identifier", "phone")[:CHUNK])
        if not chunk:
            return
        for patient in chunk:
            patient.search_name = search.search_name(
                family_name=patient.family_name,
                given_name=patient.given_name,
                identifier=patient.identifier,
            )
            patient.phone_digits = search.phone_digits(patient.phone)
        Patient.objects.bulk_update(chunk, ["search_name", "phone_digits"])
        last = chunk[-1].pk


def _index(column: str) -> str:
    return f"assessments_patient_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index(column)} ON assessments_patient "
            f'USING gin ("{column}" gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0009_patient_search_columns")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
