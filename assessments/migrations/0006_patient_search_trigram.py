"""Trigram indexes for the patient search, on PostgreSQL only.

``search_patients`` filters with ``icontains``, which PostgreSQL runs as
``UPPER(col::text) LIKE UPPER('%term%')``: a B-tree cannot serve a leading wildcard, so at
100,000 patients every search read the whole clinic. A GIN index with ``gin_trgm_ops`` on the
same expression serves substring matches of three or more characters; the three indexes are
OR-ed by a BitmapOr. Shorter terms match so many rows that the planner walks the
(clinic, family_name, given_name) index in list order instead, and stops after one page.

SQLite has no pg_trgm: there the migration does nothing, and the model state is unchanged
(the indexes are not in ``Meta.indexes``), so ``makemigrations --check`` stays clean.
"""

from django.db import migrations

COLUMNS = ("family_name", "given_name", "identifier")


def _index(column: str) -> str:
    return f"assessments_patient_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_index(column)} ON assessments_patient "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_index(column)}")


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_hash_chained_audit")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
