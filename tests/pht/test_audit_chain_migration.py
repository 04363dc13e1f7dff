"""The migrations to per-clinic chains reseal the rows already written, both ways.

A database with audit rows of two clinics and of the shared exercise library is migrated back
to one chain per table (the scheme before), gets a row written the old way, and is migrated
forward again: every row then has its clinic's chain key, each clinic's chain starts afresh
and links only its own rows, and ``verify_audit`` passes.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pht import audit, chain
from pht.models import AccessLog
from rehab.models import Exercise, PlanExercise

# Transactional: migrations cannot run inside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

# The last migration of each app before per-clinic chains.
BEFORE = [
    ("pht", "0007_user_sessions_ended_at"),
    ("assessments", "0014_merge_patient_merge_and_import"),
    ("rehab", "0006_review_visa_h_and_next_review"),
]
TABLES = [
    "pht.AccessLog",
    "pht.HistoricalClinic",
    "assessments.HistoricalPatient",
    "assessments.HistoricalAssessment",
    "rehab.HistoricalExercise",
    "rehab.HistoricalRehabPlan",
    "rehab.HistoricalPlanExercise",
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def walk_as_one_chain(model) -> int:
    """The check of the scheme before: the whole table one chain, in pk order."""
    prev, count = chain.GENESIS, 0
    for row in model.objects.order_by("pk"):
        assert row.prev_hash == prev, f"{model._meta.label} row {row.pk}"
        assert chain.row_digest(row, prev) == row.row_hash, f"{model._meta.label} row {row.pk}"
        prev, count = row.row_hash, count + 1
    return count


@pytest.fixture
def library(db):
    """The shipped exercise library, which an earlier transactional test's flush removed (it
    is loaded by a data migration): loaded again through the service, as history rows on the
    shared chain."""
    from rehab import services

    if not Exercise.objects.filter(clinic__isnull=True).exists():
        services.load_shipped_library()


@pytest.fixture
def audited(library, rehab_plan, other_patient, other_clinician, clinician, clinic_a, clinic_b):
    """Rows of both clinics, turn about, and a change to a library exercise (shared)."""
    for _ in range(2):
        audit.log(audit.Actor(clinician, clinic_a), "view", object_type="patient")
        audit.log(audit.Actor(other_clinician, clinic_b), "view", object_type="patient")
    library = Exercise.objects.filter(clinic__isnull=True).first()
    library.name = f"{library.name} (revised)"
    library.save()
    return library


def test_migrating_back_and_forth_reseals_every_chain(audited, clinic_a, clinic_b):
    try:
        old = migrate(BEFORE)
        for label in TABLES:
            assert walk_as_one_chain(old.get_model(label)) > 0
        # A row written the old way, linked to the table's last row whatever its clinic.
        OldAccessLog = old.get_model("pht", "AccessLog")  # noqa: N806
        last = OldAccessLog.objects.order_by("-pk").first()
        row = OldAccessLog(
            clinic_id=clinic_a.pk,
            username="ada",
            action="view",
            object_type="patient",
            detail="written the old way",
            prev_hash=last.row_hash,
        )
        row.row_hash = chain.row_digest(row, row.prev_hash)
        row.save()
        walk_as_one_chain(OldAccessLog)
    finally:
        migrate(latest())

    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chains intact." in out.getvalue()
    assert f"pht.AccessLog: 2 chain(s), {AccessLog.objects.count()} rows, ok" in out.getvalue()
    moved = AccessLog.objects.get(detail="written the old way")
    assert moved.chain_key == clinic_a.pk
    for key in (clinic_a.pk, clinic_b.pk):
        rows = list(AccessLog.objects.filter(chain_key=key).order_by("pk"))
        assert {r.clinic_id for r in rows} == {key}
        assert rows[0].prev_hash == chain.GENESIS
        assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
    assert set(PlanExercise.history.values_list("chain_key", flat=True)) == {clinic_a.pk}
    assert set(clinic_b.history.values_list("chain_key", flat=True)) == {clinic_b.pk}
    assert audited.history.latest().chain_key == chain.SHARED_CHAIN
