"""Anchoring the audit chains' heads (pht.anchors): removing a chain's newest rows is detected.

A hash chain alone cannot show its newest rows removed (what is left is still a whole chain);
``verify_audit`` fails when a chain no longer reaches its latest anchor.
"""

import dataclasses
import datetime
import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pht import anchors, audit, chain
from pht.models import AccessLog, ChainAnchor


def log(user, clinic, detail=""):
    return audit.log(audit.Actor(user, clinic), "view", object_type="patient", detail=detail)


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=out)
    return out.getvalue()


def remove(rows):
    AccessLog.objects.filter(pk__in=[r.pk for r in rows])._raw_delete(AccessLog.objects.db)


@pytest.fixture
def trail(clinician, other_clinician, clinic_a, clinic_b):
    """Three access-log rows of clinic A, one of clinic B."""
    rows = [log(clinician, clinic_a, f"a{n}") for n in range(3)]
    return rows, log(other_clinician, clinic_b, "b0")


def test_anchoring_writes_the_head_of_every_chain(trail, clinic_a, clinic_b):
    a_rows, b_row = trail
    heads = anchors.anchor_heads()
    access = {h.chain_key: h for h in heads if h.table == "pht.AccessLog"}
    assert access[clinic_a.pk] == anchors.AnchoredHead(
        "pht.AccessLog", clinic_a.pk, a_rows[-1].pk, 3, a_rows[-1].row_hash, anchored=True
    )
    assert access[clinic_b.pk].last_pk == b_row.pk
    # One anchor per chain of every chained table with rows (the clinics' and patients'
    # histories too), none for the anchors' own chain.
    assert ChainAnchor.objects.count() == len(heads)
    assert {h.table for h in heads} >= {"pht.AccessLog", "pht.HistoricalClinic"}
    assert "pht.ChainAnchor" not in {h.table for h in heads}
    stored = ChainAnchor.objects.get(table="pht.AccessLog", chain=clinic_a.pk)
    assert (stored.last_pk, stored.rows, stored.head_hash) == (
        a_rows[-1].pk,
        3,
        a_rows[-1].row_hash,
    )
    assert stored.chain_key == chain.SHARED_CHAIN  # anchors are chained on the shared chain
    assert "Audit chains intact." in verify()


def test_removing_the_newest_rows_after_an_anchor_is_detected(trail, clinic_a):
    a_rows, _ = trail
    anchors.anchor_heads()
    remove(a_rows[-2:])
    with pytest.raises(CommandError, match="Audit chain broken: 1 problem"):
        verify()
    problems = [p for r in anchors.verify() for p in r.problems]
    assert problems == [
        f"pht.AccessLog chain {clinic_a.pk}: the anchored row {a_rows[-1].pk} is missing "
        f"(anchored with 3 rows; 1 now, head row {a_rows[0].pk}): the newest rows were "
        "removed, or the chain was rewritten"
    ]


def test_without_an_anchor_removing_the_newest_rows_goes_unseen(trail):
    """The limit anchoring exists for (docs/security.md): a shorter chain is still whole."""
    a_rows, _ = trail
    remove(a_rows[-2:])
    assert "Audit chains intact." in verify()


def test_rows_written_after_the_last_anchor_can_still_be_removed_unseen(trail, clinician, clinic_a):
    anchors.anchor_heads()
    later = log(clinician, clinic_a, "after the anchor")
    remove([later])
    assert "Audit chains intact." in verify()


def test_removing_a_whole_anchored_chain_is_detected(trail, clinic_b):
    _, b_row = trail
    anchors.anchor_heads()
    remove([b_row])
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()
    (report,) = [
        r for r in anchors.verify() if r.table == "pht.AccessLog" and r.chain_key == clinic_b.pk
    ]
    assert report.rows == 0
    assert "the anchored row" in report.problems[0]


def test_rewriting_a_chain_up_to_its_anchor_is_detected(trail, clinician, clinic_a):
    """Its newest row removed and another chained in its place, with the same pk: the hash
    differs from the anchored one."""
    a_rows, _ = trail
    anchors.anchor_heads()
    newest = a_rows[-1]
    remove([newest])
    forged = AccessLog(
        pk=newest.pk,
        user=clinician,
        username="ada",
        clinic=clinic_a,
        chain_key=clinic_a.pk,
        action="view",
        object_type="patient",
        detail="forged",
        at=newest.at,
        prev_hash=a_rows[-2].row_hash,
    )
    forged.row_hash = chain.row_digest(forged, forged.prev_hash)
    AccessLog.objects.bulk_create([forged])
    problems = [p for r in anchors.verify() for p in r.problems]
    assert problems == [
        f"pht.AccessLog chain {clinic_a.pk} row {newest.pk}: differs from its anchored hash"
    ]


def test_anchoring_twice_with_no_change_writes_nothing_more(trail):
    first = anchors.anchor_heads()
    count = ChainAnchor.objects.count()
    second = anchors.anchor_heads()
    assert ChainAnchor.objects.count() == count
    assert not any(h.anchored for h in second)
    assert [dataclasses.replace(h, anchored=True) for h in second] == first
    assert "Audit chains intact." in verify()


def test_a_chain_that_moved_is_anchored_again_alone(trail, clinician, clinic_a):
    anchors.anchor_heads()
    newer = log(clinician, clinic_a, "later")
    heads = anchors.anchor_heads()
    assert [(h.table, h.chain_key) for h in heads if h.anchored] == [("pht.AccessLog", clinic_a.pk)]
    latest = ChainAnchor.objects.filter(table="pht.AccessLog", chain=clinic_a.pk).latest("id")
    assert (latest.last_pk, latest.rows) == (newer.pk, 4)
    assert "Audit chains intact." in verify()


def test_altering_an_anchor_is_detected(trail):
    anchors.anchor_heads()
    anchor = ChainAnchor.objects.order_by("id").first()
    ChainAnchor.objects.filter(pk=anchor.pk).update(rows=anchor.rows + 1)
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()


def test_anchor_audit_prints_a_line_per_chain(trail, clinic_a):
    a_rows, _ = trail
    out = io.StringIO()
    call_command("anchor_audit", stdout=out)
    lines = out.getvalue().splitlines()
    line = next(
        x for x in lines if x.startswith("pht.AccessLog") and "clinic Northside Physio" in x
    )
    assert f"row {a_rows[-1].pk:>9}" in line
    assert "3 rows" in line
    assert f"head {a_rows[-1].row_hash}  anchored" in line
    assert lines[-1].startswith(f"Anchored {ChainAnchor.objects.count()} chain head(s); 0 ")
    call_command("anchor_audit", stdout=(again := io.StringIO()))
    assert f"head {a_rows[-1].row_hash}  unchanged" in again.getvalue()


# --- The schedule: the task worker anchors every AUDIT_ANCHOR_MINUTES ----------------------


def run_worker():
    # As tests/assessments/test_patient_import.py: the connection is the test's own.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("run_worker", batch=True, verbosity=0)


def waiting_anchorings():
    return DBTaskResult.objects.filter(
        status="READY", task_path=anchors.anchor_audit_heads.module_path
    )


def test_the_worker_anchors_at_start_and_queues_the_next_run(trail, settings):
    settings.AUDIT_ANCHOR_MINUTES = 30
    before = timezone.now()
    run_worker()
    assert ChainAnchor.objects.filter(table="pht.AccessLog").count() == 2
    (queued,) = waiting_anchorings()
    assert queued.run_after >= before + datetime.timedelta(minutes=30)
    # A worker starting again (or a second worker) finds it waiting: no second series.
    run_worker()
    assert waiting_anchorings().count() == 1


def test_the_worker_does_not_anchor_when_turned_off(trail, settings):
    settings.AUDIT_ANCHOR_MINUTES = 0
    run_worker()
    assert not ChainAnchor.objects.exists()
    assert not waiting_anchorings().exists()
