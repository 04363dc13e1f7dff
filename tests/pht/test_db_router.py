"""Read replicas (pht/db_router.py): which database each read and write goes to.

No replica is needed: the alias ``replica1`` mirrors the test database, as every alias of
DATABASE_REPLICA_URLS does in tests (``TEST: {"MIRROR": "default"}``), and the health check is
replaced by a table of lags. Tests that read through the mirror use a transactional database:
its second connection sees committed rows only.
"""

import contextlib
import copy
import socket
import time
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import OperationalError, connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Patient
from exports import views as export_views
from pht import audit, db_router
from pht.models import AccessLog

ALIAS = "replica1"


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """``replica1``: a second connection to the test database, configured as a test mirror."""
    config = copy.deepcopy(connections["default"].settings_dict)
    config["TEST"] = {**config.get("TEST", {}), "MIRROR": "default"}
    connections.settings[ALIAS] = config
    yield ALIAS
    _drop_connection()
    del connections.settings[ALIAS]


def _drop_connection() -> None:
    connections[ALIAS].close()
    del connections[ALIAS]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def replicas(settings, monkeypatch):
    """Replicas configured, each healthy unless a test changes its lag in the returned table
    (a number of seconds, None for "not a standby", an exception for "does not answer")."""
    settings.DATABASE_REPLICAS = [ALIAS]
    lags: dict = {ALIAS: 0.0, "replica2": 0.0}
    checks: list[str] = []

    def lag(alias):
        checks.append(alias)
        value = lags[alias]
        if isinstance(value, Exception):
            raise value
        return value

    monkeypatch.setattr(db_router, "replica_lag", lag)
    clock = Clock()
    monkeypatch.setattr(db_router, "_clock", clock)
    db_router.health.reset()
    yield lags, checks, clock
    db_router.health.reset()


@db_router.replica_reads
def probe(request):
    """A routed view that says where its reads would go, twice (a request keeps its replica)."""
    first = router.db_for_read(Patient)
    return HttpResponse(f"{first} {router.db_for_read(Patient)}")


def anonymous_get():
    request = RequestFactory().get("/probe/")
    request.user = AnonymousUser()
    return request


def reads_of(request) -> str:
    return probe(request).content.decode()


# --- where reads go --------------------------------------------------------------------------


def test_without_replicas_a_routed_view_reads_from_the_primary(settings):
    settings.DATABASE_REPLICAS = []
    assert reads_of(anonymous_get()) == "default default"


def test_a_routed_view_reads_from_a_healthy_replica_for_the_whole_request(replicas):
    assert reads_of(anonymous_get()) == f"{ALIAS} {ALIAS}"


def test_reads_outside_a_routed_view_go_to_the_primary(replicas):
    assert router.db_for_read(Patient) == "default"


def test_a_post_to_a_routed_view_reads_from_the_primary(replicas):
    request = RequestFactory().post("/probe/")
    request.user = AnonymousUser()
    assert reads_of(request) == "default default"


def test_writes_go_to_the_primary_even_inside_a_routed_view(replicas):
    @db_router.replica_reads
    def view(request):
        return HttpResponse(router.db_for_write(Patient))

    assert view(anonymous_get()).content == b"default"


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "assessments", model_name="patient")
    assert not router.allow_migrate(ALIAS, "assessments", model_name="patient")


def test_a_replica_lagging_more_than_the_bound_is_skipped(replicas, settings):
    lags, _checks, _clock = replicas
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3
    lags[ALIAS] = 3.5
    assert reads_of(anonymous_get()) == "default default"


def test_a_replica_within_the_lag_bound_is_read(replicas, settings):
    lags, _checks, _clock = replicas
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3
    lags[ALIAS] = 2.9
    assert reads_of(anonymous_get()) == f"{ALIAS} {ALIAS}"


def test_a_server_that_is_not_a_standby_is_skipped(replicas):
    lags, _checks, _clock = replicas
    lags[ALIAS] = None
    assert reads_of(anonymous_get()) == "default default"


def test_a_replica_that_does_not_answer_is_skipped_until_the_next_check(replicas, settings):
    lags, checks, clock = replicas
    settings.DATABASE_REPLICA_CHECK_SECONDS = 2
    lags[ALIAS] = OperationalError("connection refused")
    assert reads_of(anonymous_get()) == "default default"
    lags[ALIAS] = 0.0
    clock.now += 1.9
    assert reads_of(anonymous_get()) == "default default"  # not asked again yet
    assert checks == [ALIAS]
    clock.now += 0.2
    assert reads_of(anonymous_get()) == f"{ALIAS} {ALIAS}"
    assert checks == [ALIAS, ALIAS]


def test_the_health_check_runs_once_per_interval_not_per_request(replicas):
    _lags, checks, _clock = replicas
    for _ in range(5):
        reads_of(anonymous_get())
    assert checks == [ALIAS]


def test_several_replicas_one_is_picked_among_the_healthy_ones(replicas, settings, monkeypatch):
    lags, _checks, _clock = replicas
    settings.DATABASE_REPLICAS = [ALIAS, "replica2", "replica3"]
    lags["replica3"] = 60.0  # lagging
    offered = []

    def choice(candidates):
        offered.append(list(candidates))
        return candidates[-1]

    monkeypatch.setattr(db_router.random, "choice", choice)
    assert reads_of(anonymous_get()) == "replica2 replica2"
    assert offered == [[ALIAS, "replica2"]]


# --- read your writes --------------------------------------------------------------------------


def routed_get_for(user, cookies=None):
    request = RequestFactory().get("/probe/")
    request.user = user
    request.session = {}
    request.COOKIES.update(cookies or {})
    return request


def wrote_cookie(user, monkeypatch=None, *, seconds_ago: float = 0) -> dict:
    """The cookie ReadYourWrites sets after a POST, as sent back ``seconds_ago`` later."""
    request = RequestFactory().post("/")
    request.user = user
    response = HttpResponse()
    with contextlib.ExitStack() as stack:
        if seconds_ago:
            signed_at = time.time() - seconds_ago
            patch = stack.enter_context(monkeypatch.context())
            patch.setattr(signing, "time", SimpleNamespace(time=lambda: signed_at))
        db_router.note_write(request, response)
    return {db_router.COOKIE: response.cookies[db_router.COOKIE].value}


@pytest.mark.django_db
def test_a_user_who_just_changed_something_reads_from_the_primary(replicas, clinician, settings):
    settings.READ_YOUR_WRITES_SECONDS = 5
    assert db_router.wrote_recently(routed_get_for(clinician, wrote_cookie(clinician)))


@pytest.mark.django_db
def test_after_the_window_the_user_reads_from_replicas_again(
    replicas, clinician, settings, monkeypatch
):
    settings.READ_YOUR_WRITES_SECONDS = 5
    cookie = wrote_cookie(clinician, monkeypatch, seconds_ago=6)
    assert not db_router.wrote_recently(routed_get_for(clinician, cookie))


@pytest.mark.django_db
def test_another_users_write_cookie_does_not_count(replicas, clinician, colleague):
    cookie = wrote_cookie(colleague)
    assert not db_router.wrote_recently(routed_get_for(clinician, cookie))


@pytest.mark.django_db
def test_a_forged_write_cookie_does_not_count(replicas, clinician):
    cookie = {db_router.COOKIE: f"{clinician.pk}:forged:signature"}
    assert not db_router.wrote_recently(routed_get_for(clinician, cookie))


@pytest.mark.django_db
def test_the_middleware_notes_a_post_not_a_get(replicas, clinician_client):
    page = reverse("dashboard")
    assert db_router.COOKIE not in clinician_client.get(page).cookies
    response = clinician_client.post(reverse("clinic_switch"), {"clinic": "nonsense"})
    assert db_router.COOKIE in response.cookies


@pytest.mark.django_db
def test_without_replicas_the_middleware_sets_no_cookie(settings, clinician_client):
    settings.DATABASE_REPLICAS = []
    response = clinician_client.post(reverse("clinic_switch"), {"clinic": "nonsense"})
    assert db_router.COOKIE not in response.cookies


# --- through the mirror: real queries -------------------------------------------------------

MIRROR = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])


def replica_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


@MIRROR
def test_the_dashboard_reads_the_clinics_work_from_the_replica(
    replica_alias, replicas, clinician_client, draft_assessment
):
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = clinician_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert draft_assessment.patient.family_name.upper() in response.content.decode()
    assert any("assessments_assessment" in sql for sql in replica_queries(on_replica))


@MIRROR
def test_right_after_a_post_the_next_page_reads_from_the_primary(
    replica_alias, replicas, clinician_client, draft_assessment
):
    clinician_client.post(reverse("clinic_switch"), {"clinic": str(draft_assessment.clinic_id)})
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = clinician_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert draft_assessment.patient.family_name.upper() in response.content.decode()
    assert replica_queries(on_replica) == []


@MIRROR
def test_inside_an_atomic_block_on_the_primary_reads_stay_there(replica_alias, replicas):
    @db_router.replica_reads
    def view(request):
        before = router.db_for_read(Patient)
        with transaction.atomic():
            inside = router.db_for_read(Patient)
        return HttpResponse(f"{before} {inside} {router.db_for_read(Patient)}")

    assert view(anonymous_get()).content.decode() == f"{ALIAS} default {ALIAS}"


@MIRROR
def test_after_a_write_to_the_primary_the_request_reads_from_it(
    replica_alias, replicas, clinician, clinic_a
):
    @db_router.replica_reads
    def view(request):
        before = router.db_for_read(Patient)
        audit.log(audit.Actor(clinician, clinic_a), "view", object_type="list")
        return HttpResponse(f"{before} {router.db_for_read(Patient)}")

    assert view(routed_get_for(clinician)).content.decode() == f"{ALIAS} default"


@MIRROR
def test_a_write_by_a_raw_cursor_also_keeps_the_request_on_the_primary(replica_alias, replicas):
    @db_router.replica_reads
    def view(request):
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE pht_clinic SET name = name WHERE 1 = 0")
        return HttpResponse(router.db_for_read(Patient))

    assert view(anonymous_get()).content == b"default"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def break_replica() -> None:
    """The replica goes away: its connection is closed and it can no longer be reached."""
    connection = connections[ALIAS]
    connection.close()
    # Django keeps an in-memory SQLite database's connection open on close(): let go of it
    # (the primary's connection keeps the database alive).
    connection.connection = None
    if connection.vendor == "postgresql":
        connection.settings_dict = {**connection.settings_dict, "PORT": _closed_port()}
    else:
        connection.settings_dict = {**connection.settings_dict, "NAME": "/nonexistent/pht/db"}


@pytest.fixture
def replica_restored(replica_alias):
    yield
    _drop_connection()  # the next test connects with the alias's own settings again


@MIRROR
def test_a_replica_lost_mid_request_is_retried_on_the_primary_with_one_audit_row(
    replica_alias, replica_restored, replicas, clinician_client, signed_assessment, monkeypatch
):
    latest_visa_h = export_views._latest_visa_h
    calls = []

    def replica_dies_first(assessment):
        calls.append(router.db_for_read(Patient))
        if len(calls) == 1:
            break_replica()  # after the assessment was read from it
        return latest_visa_h(assessment)

    monkeypatch.setattr(export_views, "_latest_visa_h", replica_dies_first)
    url = reverse("exports:assessment_summary", args=[signed_assessment.pk])
    response = clinician_client.get(url)
    assert response.status_code == 200
    assert signed_assessment.patient.family_name in response.content.decode()
    assert calls == [ALIAS, "default"]  # the second run read from the primary
    exports = AccessLog.objects.filter(action="export", object_id=signed_assessment.pk)
    assert exports.count() == 1
    # Marked down: the next request goes straight to the primary, without trying it.
    assert reads_of(anonymous_get()) == "default default"


@MIRROR
def test_a_replica_error_after_a_write_is_raised_not_retried(
    replica_alias, replica_restored, replicas, clinician, clinic_a
):
    runs = []

    @db_router.replica_reads
    def view(request):
        runs.append(1)
        list(Patient.objects.all()[:1])  # read from the replica first
        audit.log(audit.Actor(clinician, clinic_a), "view", object_type="list")
        break_replica()
        Patient.objects.using(ALIAS).count()
        return HttpResponse()

    with pytest.raises(OperationalError):
        view(routed_get_for(clinician))
    assert runs == [1]
    assert AccessLog.objects.filter(object_type="list").count() == 1


@MIRROR
def test_an_error_of_the_primary_is_not_taken_for_the_replicas(replica_alias, replicas):
    runs = []

    @db_router.replica_reads
    def view(request):
        runs.append(router.db_for_read(Patient))
        list(Patient.objects.all()[:1])  # the replica answers
        raise OperationalError("the primary went away")

    with pytest.raises(OperationalError, match="primary"):
        view(anonymous_get())
    assert runs == [ALIAS]


@MIRROR
def test_the_health_check_asks_the_replica_itself(replica_alias, settings):
    settings.DATABASE_REPLICAS = [ALIAS]
    lag = db_router.replica_lag(ALIAS)
    if connections[ALIAS].vendor == "postgresql":
        assert lag is None  # the mirror is the test server itself, not a standby: skipped
    else:
        assert lag == 0.0


# --- the lag a standby reports (pht.db_router.standby_lag) -----------------------------------


class StandbyCursor:
    """A cursor on a standby: the first answer is STANDBY_SQL's row, then whether replay has
    reached the position asked about, in turn."""

    def __init__(self, row, replayed=()):
        self.answers = [row, *[(value,) for value in replayed]]
        self.asked: list = []

    def execute(self, sql, params=None):
        self.asked.append(params)

    def fetchone(self):
        return self.answers.pop(0)


@pytest.fixture
def ticking(monkeypatch):
    clock = Clock()

    def sleep(seconds):
        clock.now += seconds

    monkeypatch.setattr(db_router, "_clock", clock)
    monkeypatch.setattr(db_router, "_sleep", sleep)
    return clock


def test_a_standby_that_replayed_all_it_received_has_no_lag(ticking):
    cursor = StandbyCursor((True, "0/3016A88", "0/3016A88", 600.0, True))
    assert db_router.standby_lag(cursor) == 0.0


def test_a_standby_finishing_what_it_received_is_not_lagging_by_the_last_commits_age(ticking):
    # A write after ten quiet minutes: the last replayed commit is ten minutes old.
    cursor = StandbyCursor((True, "0/3016B00", "0/3016A88", 600.0, True), replayed=[False, True])
    assert db_router.standby_lag(cursor) == pytest.approx(2 * db_router.CATCH_UP_POLL)
    assert cursor.asked[-1] == ["0/3016B00"]


def test_a_standby_that_does_not_catch_up_lags_by_its_last_replayed_commit(ticking):
    cursor = StandbyCursor((True, "0/3016B00", "0/3016A88", 7.5, True), replayed=[False] * 20)
    assert db_router.standby_lag(cursor) == 7.5


def test_a_standby_without_its_wal_receiver_lags_by_its_last_replayed_commit(ticking):
    cursor = StandbyCursor((True, "0/3016A88", "0/3016A88", 42.0, False))
    assert db_router.standby_lag(cursor) == 42.0


def test_a_server_not_in_recovery_has_no_lag_to_report(ticking):
    assert db_router.standby_lag(StandbyCursor((False, None, None, None, False))) is None
