"""The access log and the change history are append-only and hash-chained."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections, transaction

from assessments.models import Assessment, Patient
from pht import chain
from pht.models import AccessLog

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks: PostgreSQL (SQLite has one writer)"
)


@pytest.fixture
def history(clinician_client, patient, signed_assessment):
    """A realistic trail: creations, a view, a sign-off."""
    clinician_client.get(f"/patients/{patient.pk}/")
    return AccessLog.objects.order_by("pk")


def verify():
    call_command("verify_audit", stdout=__import__("io").StringIO())


def test_an_untouched_trail_verifies(history):
    verify()


def test_every_row_links_to_the_one_before(history):
    rows = list(history)
    assert rows[0].prev_hash == chain.GENESIS
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash


def test_altering_an_access_log_row_is_detected(history):
    AccessLog.objects.filter(pk=history[1].pk).update(username="mallory")
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()


def test_deleting_an_access_log_row_is_detected(history):
    AccessLog.objects.filter(pk=history[1].pk)._raw_delete(AccessLog.objects.db)
    with pytest.raises(CommandError, match="Audit chain broken"):
        verify()


def test_altering_the_change_history_is_detected(signed_assessment):
    first = Assessment.history.order_by("history_id").first()
    Assessment.history.filter(history_id=first.history_id).update(clinical_notes="rewritten")
    count, problems, _ = chain.verify(Assessment.history.model)
    assert any("content altered" in p for p in problems)


def test_deleting_a_patient_history_row_is_detected(patient, clinician, clinic_a):
    from assessments import services
    from pht.audit import Actor

    services.update_patient(actor=Actor(clinician, clinic_a), patient=patient, data={"phone": "1"})
    services.update_patient(actor=Actor(clinician, clinic_a), patient=patient, data={"phone": "2"})
    middle = Patient.history.order_by("history_id")[1]
    Patient.history.filter(history_id=middle.history_id)._raw_delete(Patient.history.db)
    _, problems, _ = chain.verify(Patient.history.model)
    assert any("link broken" in p for p in problems)


def test_audit_rows_cannot_be_changed_through_the_orm(history):
    row = history.first()
    row.detail = "edited"
    with pytest.raises(chain.AppendOnlyError):
        row.save()
    with pytest.raises(chain.AppendOnlyError):
        row.delete()


# --- One chain per clinic ------------------------------------------------------------------


def log(user, clinic, detail=""):
    from pht import audit

    return audit.log(audit.Actor(user, clinic), "view", object_type="patient", detail=detail)


@pytest.fixture
def interleaved(clinician, other_clinician, clinic_a, clinic_b):
    """Access-log rows of two clinics, written turn about: A, B, A, B, A."""
    return [
        log(*(clinician, clinic_a) if n % 2 == 0 else (other_clinician, clinic_b), f"row {n}")
        for n in range(5)
    ]


def test_each_clinic_has_its_own_chain(interleaved, clinic_a, clinic_b):
    a_rows, b_rows = interleaved[0::2], interleaved[1::2]
    assert {row.chain_key for row in a_rows} == {clinic_a.pk}
    assert {row.chain_key for row in b_rows} == {clinic_b.pk}
    for rows in (a_rows, b_rows):
        assert rows[0].prev_hash == chain.GENESIS
        for before, after in zip(rows, rows[1:], strict=False):
            assert after.prev_hash == before.row_hash


def test_every_table_chains_by_the_rows_clinic(rehab_plan, clinic_a):
    from rehab.models import PlanExercise, RehabPlan

    assert set(Patient.history.values_list("chain_key", flat=True)) == {clinic_a.pk}
    assert set(RehabPlan.history.values_list("chain_key", flat=True)) == {clinic_a.pk}
    # No clinic of their own: through their plan.
    assert set(PlanExercise.history.values_list("chain_key", flat=True)) == {clinic_a.pk}
    # A clinic's own history is on its chain.
    assert set(clinic_a.history.values_list("chain_key", flat=True)) == {clinic_a.pk}


def test_library_exercises_go_on_the_shared_chain(custom_exercise, clinic_a):
    from rehab.models import Exercise, ExerciseStage

    library = Exercise.objects.filter(clinic__isnull=True).first()
    library.name = f"{library.name} (revised)"
    library.save()
    assert library.history.latest().chain_key == chain.SHARED_CHAIN
    assert custom_exercise.history.latest().chain_key == clinic_a.pk
    # An exercise's stages through the exercise.
    stage = ExerciseStage.objects.create(exercise=custom_exercise, stage=3)
    assert stage.history.latest().chain_key == clinic_a.pk
    verify()


def test_a_bulk_append_links_each_clinic_into_its_own_chain(
    interleaved, clinician, other_clinician, clinic_a, clinic_b
):
    last_a, last_b = interleaved[-1], interleaved[-2]
    rows = [
        AccessLog(user=u, username=u.username, clinic=c, action="view", object_type="patient")
        for u, c in [(other_clinician, clinic_b), (clinician, clinic_a), (clinician, clinic_a)]
    ]
    chain.append_all(AccessLog, rows)
    assert [r.chain_key for r in rows] == [clinic_b.pk, clinic_a.pk, clinic_a.pk]
    assert rows[0].prev_hash == last_b.row_hash
    assert rows[1].prev_hash == last_a.row_hash
    assert rows[2].prev_hash == rows[1].row_hash
    verify()


def test_the_chain_key_is_part_of_the_hash(interleaved):
    row = interleaved[0]
    assert chain.row_digest(row, row.prev_hash) == row.row_hash
    row.chain_key = chain.SHARED_CHAIN
    assert chain.row_digest(row, row.prev_hash) != row.row_hash


def test_moving_a_row_to_another_clinics_chain_is_detected(interleaved, clinic_b):
    moved = interleaved[2]  # clinic A's second row
    AccessLog.objects.filter(pk=moved.pk).update(chain_key=clinic_b.pk)
    _, problems, _ = chain.verify(AccessLog)
    assert any(f"row {moved.pk}: content altered" in p for p in problems)
    # Clinic A's chain lost a row; clinic B's gained one.
    assert any(
        f"chain {interleaved[4].chain_key} row {interleaved[4].pk}: link" in p for p in problems
    )
    assert any(f"chain {clinic_b.pk} row {interleaved[3].pk}: link" in p for p in problems)


def test_inserting_a_row_into_a_chain_is_detected(interleaved, clinician, clinic_a):
    # A forged row of clinic A, linked and hashed as the chain would, given the pk of a row
    # that is gone (clinic B's first), so it sits between clinic A's first and second rows.
    gap = interleaved[1]
    AccessLog.objects.filter(pk=gap.pk)._raw_delete(AccessLog.objects.db)
    forged = AccessLog(
        pk=gap.pk,
        user=clinician,
        username="ada",
        clinic=clinic_a,
        chain_key=clinic_a.pk,
        action="view",
        object_type="patient",
        at=gap.at,
        prev_hash=interleaved[0].row_hash,
    )
    forged.row_hash = chain.row_digest(forged, forged.prev_hash)
    AccessLog.objects.bulk_create([forged])
    reports = {r.chain_key: r for r in chain.verify_chains(AccessLog)}
    assert reports[clinic_a.pk].rows == 4
    assert reports[clinic_a.pk].problems == [
        f"pht.AccessLog chain {clinic_a.pk} row {interleaved[2].pk}: link broken (a row before "
        "it was removed, inserted, altered or moved between chains)"
    ]


def test_verify_audit_reports_each_chain(interleaved, clinic_a, clinic_b):
    out = __import__("io").StringIO()
    call_command("verify_audit", stdout=out)
    text = out.getvalue()
    assert "pht.AccessLog: 2 chain(s), 5 rows, ok" in text
    a_line = next(
        line
        for line in text.splitlines()
        if "clinic Northside Physio" in line and line.startswith("  ") and " 3 rows" in line
    )
    assert f"head {interleaved[4].row_hash[:16]} (row {interleaved[4].pk})" in a_line
    assert "clinic Southside Sports Clinic" in text
    assert "Audit chains intact." in text


# --- PostgreSQL: one lock per clinic -------------------------------------------------------


def _in_thread(target) -> threading.Thread:
    def run():
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_clinic_appends_while_another_clinics_chain_is_locked(
    clinician, other_clinician, clinic_a, clinic_b
):
    holding, release, seen = threading.Event(), threading.Event(), {}

    def hold_clinic_a():
        with transaction.atomic():
            log(clinician, clinic_a, "held open")
            holding.set()
            release.wait(timeout=60)

    def write_clinic_b():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # A bound, not a measure: waiting for clinic A's lock would fail here.
                cursor.execute("SET LOCAL lock_timeout = '20s'")
                log(other_clinician, clinic_b, "while A is open")
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, %s)",
                    [chain._LOCK_NAMESPACE, chain.lock_number(clinic_a.pk)],
                )
                seen["clinic A lock free"] = cursor.fetchone()[0]
            seen["clinic B committed"] = True
        except OperationalError as error:
            seen["error"] = str(error)

    holder = _in_thread(hold_clinic_a)
    assert holding.wait(timeout=60)
    _in_thread(write_clinic_b).join(timeout=60)
    release.set()
    holder.join(timeout=60)
    assert seen == {"clinic A lock free": False, "clinic B committed": True}
    assert AccessLog.objects.filter(detail__in=["held open", "while A is open"]).count() == 2
    verify()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_transactions_appending_to_two_clinics_in_opposite_orders(
    clinician, other_clinician, clinic_a, clinic_b
):
    """The documented case (pht.chain): PostgreSQL's deadlock detector ends one of them; it
    rolls back whole, the other commits, and the chains stay intact."""
    both_hold_one = threading.Barrier(2, timeout=60)
    errors = []

    def two_clinics(first, second, name):
        try:
            with transaction.atomic():
                log(*first, f"{name} first")
                both_hold_one.wait()
                log(*second, f"{name} second")
        except OperationalError as error:
            errors.append((name, str(error)))

    a, b = (clinician, clinic_a), (other_clinician, clinic_b)
    threads = [
        _in_thread(lambda: two_clinics(a, b, "one")),
        _in_thread(lambda: two_clinics(b, a, "two")),
    ]
    for thread in threads:
        thread.join(timeout=120)
    assert len(errors) == 1 and "deadlock detected" in errors[0][1]
    loser = errors[0][0]
    winner = "two" if loser == "one" else "one"
    details = set(AccessLog.objects.values_list("detail", flat=True))
    assert {f"{winner} first", f"{winner} second"} <= details
    assert not {f"{loser} first", f"{loser} second"} & details
    verify()
