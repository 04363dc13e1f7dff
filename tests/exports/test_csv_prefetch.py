"""The clinic CSV read ahead on a second connection (PostgreSQL, outside a transaction).

These tests commit their data (transactional_db) so the reader thread's own connection sees
it. On SQLite the export reads in line and these tests check that path gives the same text.
"""

import threading

import pytest
from django.db import connection

from assessments.exports import csv as csv_export
from assessments.models import Assessment
from tests.factories import make_assessment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def assessments(patient, clinician):
    return [make_assessment(patient=patient, user=clinician) for _ in range(5)]


def exported(queryset) -> str:
    return "".join(csv_export.stream_assessments(queryset))


def test_read_ahead_is_used_outside_a_transaction_on_postgresql(assessments):
    assert csv_export._can_prefetch() is (connection.vendor == "postgresql")


def test_read_ahead_gives_the_same_text_as_reading_in_line(assessments, monkeypatch):
    queryset = Assessment.objects.all()
    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 2)  # several chunks through the queue
    ahead = exported(queryset)
    monkeypatch.setattr(csv_export, "_can_prefetch", lambda: False)
    assert ahead == exported(queryset)
    assert ahead.count("\n") == 1 + 5


def test_closing_the_download_early_stops_the_reader(assessments, monkeypatch):
    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 1)
    monkeypatch.setattr(csv_export, "LINES_PER_CHUNK", 1)
    before = {t.name for t in threading.enumerate()}
    lines = csv_export.stream_assessments(Assessment.objects.all())
    next(lines), next(lines)  # header and one row, then the client goes away
    lines.close()
    readers = [t for t in threading.enumerate() if t.name == "csv-export-reader"]
    assert not readers
    assert {t.name for t in threading.enumerate()} <= before | {"MainThread"}
