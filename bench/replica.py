"""A real PostgreSQL streaming replica on loopback, and the proof that the app reads from it.

Run: ``.venv/bin/python bench/replica.py`` (as root, or as a user who may run PostgreSQL's
binaries; Debian's PostgreSQL 15 in /usr/lib/postgresql/15/bin, or set PG_BIN). Never run by
the tests. The machine's own PostgreSQL is not touched: a throw-away primary is created with
``initdb`` on port 5441 (``--primary-port``) in a temporary directory owned by ``postgres``,
and a hot standby is made from it with ``pg_basebackup -R`` on port 5442 (``--replica-port``).
Then:

1. ``migrate``, ``seed_demo`` and ``seed_scale --patients 2000`` run on the primary; the rows
   reach the standby by streaming replication;
2. gunicorn serves the app (bench/load.py's production settings, 2 sync workers) with
   ``DATABASE_URL`` = the primary and ``DATABASE_REPLICA_URLS`` = the standby; the demo
   clinician and clinic admin log in;
3. the routed pages (dashboard, patient list and search, exercise library, possible
   duplicates, the clinic's access log, the export page, FHIR and summary exports) are
   fetched ``--rounds`` times each: every answer must be 200, every page must run its
   statements on the standby (``pg_stat_statements`` of each server, counted as each
   statement ends), and the standby's own statistics (``pg_stat_user_tables`` scans,
   ``pg_stat_database``) are printed before and after;
4. read-your-writes: right after a POST, the next page runs nothing on the standby; a few
   seconds later it does again;
5. the standby is stopped (``pg_ctl stop -m immediate``) while client threads keep requesting
   the routed pages: the run counts every failed request (none expected: a view whose replica
   fails is retried on the primary) and checks that pages are still served afterwards, that
   the summary export wrote exactly one access-log row per answered request, and that
   ``verify_audit`` passes;
6. everything is torn down (servers stopped, directories removed), whatever happened.

It exits non-zero when a check fails. ``import replica`` gives the pieces (start_primary,
start_replica, stop, replica_reads, wait helpers, Cluster) to other benches.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
import psycopg2.extensions

# Appended, not prepended: bench/exports.py must not hide the exports app from a caller that
# imports this module and runs Django in its own process.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: server, login and settings helpers)

ROOT = load.ROOT
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
HOST = "127.0.0.1"
PRIMARY_PORT = 5441
REPLICA_PORT = 5442
DBNAME = "pht"


# --- The servers ---------------------------------------------------------------------------


def _as_postgres(*command: str, timeout: float = 300, check: bool = True, **kwargs):
    """Run a PostgreSQL binary as the ``postgres`` user (PostgreSQL refuses to run as root)."""
    prefix = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, *command],
        timeout=timeout,
        check=check,
        capture_output=True,
        text=True,
        cwd="/",
        **kwargs,
    )


def make_workdir() -> Path:
    """A fresh directory for data directories and sockets, owned by ``postgres``."""
    workdir = Path(tempfile.mkdtemp(prefix="pht-replica-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(PG_USER)
        os.chown(workdir, user.pw_uid, user.pw_gid)
    workdir.chmod(0o700)
    return workdir


def _conf(datadir: Path, lines: list[str]) -> None:
    """Append settings to a data directory's postgresql.conf (the last value wins)."""
    _as_postgres("sh", "-c", f"cat >> '{datadir}/postgresql.conf'", input="\n".join(lines) + "\n")


def _pg_ctl_start(datadir: Path) -> None:
    _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-l", f"{datadir}.log", "-w", "-t", "60",
        "start",
    )  # fmt: skip


def start_primary(datadir: Path, port: int = PRIMARY_PORT) -> None:
    """initdb a throw-away primary (trust on loopback, replication allowed) and start it."""
    _as_postgres(
        str(PG_BIN / "initdb"), "-D", str(datadir), "-U", PG_USER, "--auth=trust",
        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    _conf(
        datadir,
        [
            f"port = {port}",
            f"listen_addresses = '{HOST}'",
            f"unix_socket_directories = '{datadir.parent}'",
            "wal_level = replica",
            "max_wal_senders = 5",
            "hot_standby = on",
            "hot_standby_feedback = on",
            # A throw-away cluster: no fsync (faster seeding); never for real data.
            "fsync = off",
            "max_connections = 60",
            "shared_buffers = 64MB",
            # Counts each statement as it ends (pg_stat_database and pg_stat_user_tables are
            # published by each backend up to 10 s later): which server ran the app's queries.
            # (DECLARE ... CURSOR included: Django's .iterator() reads through one.)
            "shared_preload_libraries = 'pg_stat_statements'",
        ],
    )
    hba = (
        f"local all all trust\nhost all all {HOST}/32 trust\nhost replication all {HOST}/32 trust\n"
    )
    _as_postgres("sh", "-c", f"cat > '{datadir}/pg_hba.conf'", input=hba)
    _pg_ctl_start(datadir)
    wait_ready(port)


def start_replica(primary_port: int, datadir: Path, port: int = REPLICA_PORT) -> None:
    """A hot standby of the primary: ``pg_basebackup -R`` (standby.signal and
    primary_conninfo written for us) into ``datadir``, then started on ``port``."""
    _as_postgres(
        str(PG_BIN / "pg_basebackup"), "-h", HOST, "-p", str(primary_port), "-U", PG_USER,
        "-D", str(datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
    )  # fmt: skip
    _conf(datadir, [f"port = {port}"])
    _pg_ctl_start(datadir)
    wait_ready(port)


def stop(datadir: Path, mode: str = "fast") -> bool:
    """``pg_ctl stop -m <mode>`` (smart, fast or immediate); False when it was not running."""
    if not (datadir / "postmaster.pid").exists():
        return False
    result = _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", mode, "-w", "-t", "60", "stop",
        check=False,
    )  # fmt: skip
    return result.returncode == 0


def connect(port: int, dbname: str = "postgres"):
    connection = psycopg2.connect(
        host=HOST, port=port, user=PG_USER, dbname=dbname, connect_timeout=3
    )
    connection.autocommit = True
    return connection


def query(port: int, sql: str, params=None, dbname: str = DBNAME):
    connection = connect(port, dbname)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def wait_ready(port: int, timeout: float = 60) -> None:
    """Until the server on ``port`` accepts connections (a standby: read-only ones)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(port).close()
            return
        except psycopg2.OperationalError as error:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"PostgreSQL on port {port} did not start within {timeout:.0f} s"
                ) from error
            time.sleep(0.2)


def create_database(port: int, name: str = DBNAME) -> None:
    """The app's database, with pg_stat_statements (the standby gets it by replication)."""
    for dbname, statement in (
        ("postgres", f'CREATE DATABASE "{name}"'),
        (name, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"),
    ):
        connection = connect(port, dbname)
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


def is_standby(port: int) -> bool:
    return bool(query(port, "SELECT pg_is_in_recovery()", dbname="postgres")[0][0])


def wait_caught_up(primary_port: int, replica_port: int, timeout: float = 120) -> float:
    """Until the standby has replayed everything the primary had written when called; the
    seconds it took."""
    started = time.monotonic()
    target = query(primary_port, "SELECT pg_current_wal_lsn()::text", dbname="postgres")[0][0]
    while True:
        replayed = query(
            replica_port,
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
            [target],
            dbname="postgres",
        )[0][0]
        if replayed:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise SystemExit(f"The standby did not catch up with {target} in {timeout:.0f} s")
        time.sleep(0.1)


def replica_lag(port: int) -> float:
    """The standby's lag: 0 when everything received is replayed, else the age of the last
    replayed transaction (the app's check, pht.db_router.standby_lag, also gives a standby
    that is applying what it received a moment to finish)."""
    return float(
        query(
            port,
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
            dbname="postgres",
        )[0][0]
        or 0
    )


def replica_reads(port: int, dbname: str = DBNAME) -> dict[str, int]:
    """A server's own statistics for ``dbname``: scans and rows read of the app's tables
    (``pg_stat_user_tables``: only the app's queries touch them), transactions and rows
    returned (``pg_stat_database``: this query counts too)."""
    row = query(
        port,
        "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::bigint,"
        " coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::bigint,"
        " (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),"
        " (SELECT tup_returned FROM pg_stat_database WHERE datname = current_database()),"
        " (SELECT tup_fetched FROM pg_stat_database WHERE datname = current_database())"
        " FROM pg_stat_user_tables",
        dbname=dbname,
    )[0]
    keys = ("table_scans", "table_rows", "xact_commit", "tup_returned", "tup_fetched")
    return dict(zip(keys, (int(value) for value in row), strict=True))


# A backend publishes its table and database counters at most once a second while busy, and
# up to PGSTAT_IDLE_INTERVAL (10 s) after it goes idle: settled once unchanged for longer.
STATS_QUIET_SECONDS = 11


def settled_reads(*ports: int, dbname: str = DBNAME, timeout: float = 60) -> list[dict[str, int]]:
    """``replica_reads`` of each server once every backend has published its counters (no
    change for STATS_QUIET_SECONDS)."""
    deadline = time.monotonic() + timeout
    last = [replica_reads(port, dbname) for port in ports]
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1)
        now = [replica_reads(port, dbname) for port in ports]
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= STATS_QUIET_SECONDS:
            break
    return last


def statement_calls(port: int, dbname: str = DBNAME) -> int:
    """Statements on the app's tables this server has run (pg_stat_statements, counted as
    each ends): the app's queries name columns as "table"."column", health checks and these
    statistics queries do not."""
    return int(
        query(
            port,
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d "
            "ON d.oid = s.dbid WHERE d.datname = current_database() "
            """AND s.query ~ '"[a-z0-9_]+"[.]"'""",
            dbname=dbname,
        )[0][0]
    )


def snapshot_export_on_standby(port: int, dbname: str = DBNAME) -> str:
    """Whether the CSV export's shared snapshot (``pg_export_snapshot`` in one transaction,
    ``SET TRANSACTION SNAPSHOT`` in another, exports/csv.py) works on a hot standby."""
    first, second = connect(port, dbname), connect(port, dbname)
    try:
        with first.cursor() as a, second.cursor() as b:
            a.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            a.execute("SELECT pg_export_snapshot()")
            snapshot = a.fetchone()[0]
            b.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            b.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            b.execute("SELECT count(*) FROM assessments_assessment")
            count = b.fetchone()[0]
            a.execute("ROLLBACK")
            b.execute("ROLLBACK")
        return f"works (snapshot {snapshot} imported by a second connection, {count} rows)"
    except psycopg2.Error as error:
        return f"fails: {str(error).strip()}"
    finally:
        first.close()
        second.close()


class Cluster:
    """A throw-away primary and one hot standby on loopback; ``close()`` (or leaving the
    ``with`` block, or SIGTERM/SIGINT) stops both and removes their directories."""

    def __init__(self, primary_port: int = PRIMARY_PORT, replica_port: int = REPLICA_PORT):
        self.primary_port, self.replica_port = primary_port, replica_port
        self.workdir = make_workdir()
        self.primary_dir = self.workdir / "primary"
        self.replica_dir = self.workdir / "replica"

    def url(self, port: int, dbname: str = DBNAME) -> str:
        return f"postgres://{PG_USER}@{HOST}:{port}/{dbname}"

    @property
    def primary_url(self) -> str:
        return self.url(self.primary_port)

    @property
    def replica_url(self) -> str:
        return self.url(self.replica_port)

    def start(self, dbname: str = DBNAME) -> Cluster:
        for port in (self.primary_port, self.replica_port):
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    raise SystemExit(f"Port {port} is in use on {HOST}: choose another.")
        print(f"primary: initdb {self.primary_dir}, port {self.primary_port}", flush=True)
        start_primary(self.primary_dir, self.primary_port)
        create_database(self.primary_port, dbname)
        print(f"standby: pg_basebackup -R {self.replica_dir}, port {self.replica_port}", flush=True)
        start_replica(self.primary_port, self.replica_dir, self.replica_port)
        if not is_standby(self.replica_port):
            raise SystemExit("The replica is not in recovery (not a standby).")
        return self

    def close(self) -> None:
        for datadir in (self.replica_dir, self.primary_dir):
            with contextlib.suppress(Exception):
                stop(datadir, "immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        self._handlers = {
            sig: signal.signal(sig, _raise_exit) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            return self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc) -> None:
        try:
            self.close()
        finally:
            for sig, handler in self._handlers.items():
                signal.signal(sig, handler)


def _raise_exit(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


# --- The proof: the app on the primary and its standby --------------------------------------

ROUTED_APP = (
    ("dashboard", "/"),
    ("patient list", "/patients/"),
    ("patient search", f"/patients/?q={load.SEARCH_TERM}"),
    ("exercise library", "/rehab/exercises/"),
    ("assessment summary", "/assessments/{assessment}/summary/"),
    ("assessment FHIR", "/assessments/{assessment}/fhir.json"),
    ("patient FHIR", "/patients/{patient}/export.fhir.json"),
)
ROUTED_ADMIN = (
    ("possible duplicates", "/patients/duplicates/"),
    ("clinic access log", "/clinic/audit/"),
    ("export page", "/exports/"),
)
SUMMARY_DETAIL = "summary print view%"
RETRY_MESSAGE = "failed during a request"
DOWN_MESSAGE = "does not answer"


class Failed(Exception):
    """A check of the proof failed (the run exits non-zero)."""


def check(condition: bool, message: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {message}", flush=True)
    if not condition:
        raise Failed(message)


def without_write_cookie(cookie: str) -> str:
    """The log-in's cookies without its read-your-writes mark (the log-in was a POST)."""
    return "; ".join(part for part in cookie.split("; ") if not part.startswith("pht_wrote="))


def fetch(port: int, path: str, cookie: str) -> int:
    """The status of one GET, or 0 when the request itself failed."""
    try:
        status, _ = load.get(port, path, cookie, timeout=30)
        return status
    except OSError:
        return 0


def pages(found: dict, app_cookie: str, admin_cookie: str) -> list[tuple[str, str, str]]:
    """(name, path, cookie) of every routed page, with the seeded patient and assessment."""
    listed = [(name, path.format(**found), app_cookie) for name, path in ROUTED_APP]
    return listed + [(name, path, admin_cookie) for name, path in ROUTED_ADMIN]


def delta(after: dict, before: dict) -> dict:
    return {key: after[key] - before[key] for key in after}


def calls(cluster: Cluster) -> tuple[int, int]:
    """App statements run so far on (the standby, the primary)."""
    return statement_calls(cluster.replica_port), statement_calls(cluster.primary_port)


def measure_pages(cluster: Cluster, port: int, routed, rounds: int) -> list[tuple]:
    """Each routed page ``rounds`` times: its answers and the app statements each server ran."""
    rows = []
    for name, path, cookie in routed:
        before = calls(cluster)
        statuses = collections.Counter(fetch(port, path, cookie) for _ in range(rounds))
        on_replica, on_primary = (a - b for a, b in zip(calls(cluster), before, strict=True))
        rows.append((name, statuses, on_replica, on_primary))
        print(
            f"  {name:<20} {dict(statuses)}  statements on the standby {on_replica:>5}, "
            f"on the primary {on_primary:>4}",
            flush=True,
        )
    return rows


def show_reads(label: str, before: dict, after: dict) -> None:
    print(f"  {label}:")
    for key in before:
        print(
            f"    {key:<14} {before[key]:>10,} -> {after[key]:>10,}  (+{after[key] - before[key]:,})"
        )


def routed_pages(cluster: Cluster, port: int, routed, rounds: int) -> None:
    """The routed pages answer 200 and their reads land on the standby: per page, the
    statements each server ran; in all, each server's own statistics before and after."""
    replica_before, primary_before = settled_reads(cluster.replica_port, cluster.primary_port)
    rows = measure_pages(cluster, port, routed, rounds)
    replica_after, primary_after = settled_reads(cluster.replica_port, cluster.primary_port)
    show_reads("the standby's statistics (pg_stat_user_tables, pg_stat_database)",
               replica_before, replica_after)  # fmt: skip
    show_reads("the primary's", primary_before, primary_after)
    answered = sum(statuses[200] for _, statuses, _, _ in rows)
    check(answered == len(rows) * rounds, f"all {answered} requests answered 200")
    unread = [name for name, _, on_replica, _ in rows if on_replica < rounds]
    check(not unread, f"every routed page read from the standby {unread or ''}")
    scans = replica_after["table_scans"] - replica_before["table_scans"]
    check(scans > 0, f"the standby's own table scans went up by {scans:,}")


def post_and_get(port: int, cookie: str, csrf: str, path: str) -> tuple[int, int]:
    """POST a harmless form (switching to no clinic: refused, nothing changes), then GET
    ``path`` with the cookies the POST answered; their statuses."""
    fields = {"clinic": "", "csrfmiddlewaretoken": csrf}
    posted, cookies = load.post_form(port, "/clinic/switch/", fields, cookie)
    marks = [value for value in cookies if value.startswith("pht_wrote=")]
    return posted, fetch(port, path, "; ".join([cookie, *marks]))


def read_your_writes(cluster: Cluster, port: int, cookie: str, csrf: str, window: float) -> None:
    """Right after a POST the user's next page reads from the primary; after the window,
    from the standby again."""
    before = calls(cluster)
    posted, status = post_and_get(port, cookie, csrf, "/patients/")
    on_replica, on_primary = (a - b for a, b in zip(calls(cluster), before, strict=True))
    print(f"  POST answered {posted}; the patient list right after it: {status}, "
          f"statements on the standby {on_replica}, on the primary {on_primary}")  # fmt: skip
    check(posted == 302 and status == 200, "the POST and the page after it were answered")
    check(on_replica == 0, "right after a POST the page read nothing from the standby")
    time.sleep(window + 0.5)
    before = calls(cluster)
    status = fetch(port, "/patients/", cookie)
    on_replica, on_primary = (a - b for a, b in zip(calls(cluster), before, strict=True))
    print(f"  {window:g} s later: {status}, statements on the standby {on_replica}, "
          f"on the primary {on_primary}")  # fmt: skip
    check(status == 200 and on_replica > 0, "after the window it reads from the standby again")


class Load:
    """Client threads requesting the routed pages in turn until stopped; every answer kept."""

    def __init__(self, port: int, routed, threads: int):
        self.port, self.routed = port, routed
        self.results: list[tuple[float, str, int]] = []  # (time, page, status; 0 = failed)
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(threads)
        ]

    def run(self, number: int) -> None:
        turn = number
        while not self.stopping.is_set():
            name, path, cookie = self.routed[turn % len(self.routed)]
            turn += 1
            status = fetch(self.port, path, cookie)
            self.results.append((time.monotonic(), name, status))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def summary_rows(cluster: Cluster, since) -> int:
    return query(
        cluster.primary_port,
        "SELECT count(*) FROM pht_accesslog WHERE action = 'export' AND at >= %s "
        "AND detail LIKE %s",
        [since, SUMMARY_DETAIL],
    )[0][0]


def lose_the_replica(cluster: Cluster, server: load.Server, routed, args) -> None:
    """Stop the standby (immediate) under load: no request may fail, pages keep coming, from
    the primary, and each answered summary export wrote exactly one access-log row."""
    retries_before = _count_in(server.log, RETRY_MESSAGE)
    downs_before = _count_in(server.log, DOWN_MESSAGE)
    started_at = query(cluster.primary_port, "SELECT now()")[0][0]
    with Load(server.port, routed, args.clients) as running:
        time.sleep(args.stop_after)
        primary_at_stop = statement_calls(cluster.primary_port)
        stopped_at = time.monotonic()
        stop(cluster.replica_dir, "immediate")
        print(f"  standby stopped (pg_ctl stop -m immediate) {args.stop_after:g} s in", flush=True)
        time.sleep(args.keep_going)
    on_primary = statement_calls(cluster.primary_port) - primary_at_stop
    results = running.results
    failed = [r for r in results if r[2] != 200]
    served_after = sum(1 for r in results if r[0] > stopped_at + 0.5 and r[2] == 200)
    summaries = sum(1 for r in results if r[1] == "assessment summary" and r[2] == 200)
    rows = summary_rows(cluster, started_at)
    retries = _count_in(server.log, RETRY_MESSAGE) - retries_before
    downs = _count_in(server.log, DOWN_MESSAGE) - downs_before
    print(
        f"  {len(results)} requests by {args.clients} clients in "
        f"{args.stop_after + args.keep_going:g} s: {len(results) - len(failed)} answered 200, "
        f"{len(failed)} failed; {served_after} answered 200 after the stop, with "
        f"{on_primary:,} statements on the primary; {retries} view(s) retried on the primary "
        f"after the standby failed mid-request; {downs} health check(s) found it down (each "
        "gunicorn worker checks at most every DATABASE_REPLICA_CHECK_SECONDS)",
        flush=True,
    )
    for when, name, status in failed[:20]:
        print(f"    failed: {name} ({status or 'no answer'}) at +{when - stopped_at:.2f} s")
    check(not failed, "no request failed while the standby was stopped")
    check(served_after > 0 and on_primary > 0, "pages kept being served, from the primary")
    check(
        rows == summaries,
        f"summary exports answered ({summaries}) = their access-log rows ({rows}): none doubled",
    )


def _count_in(path: Path, text: str) -> int:
    try:
        return path.read_text(errors="replace").count(text)
    except OSError:
        return 0


def prepare(cluster: Cluster, env: dict, args) -> dict:
    """Migrate and seed the primary; the standby follows by streaming replication."""
    load.manage(env, "migrate", "--no-input", "-v0")
    load.manage(env, "collectstatic", "--no-input", "-v0")
    load.manage(env, "seed_scale", f"--patients={args.patients}", "--assessments-per-patient=3")
    found = load.targets(env)
    seconds = wait_caught_up(cluster.primary_port, cluster.replica_port)
    counts = [
        query(port, "SELECT count(*) FROM assessments_patient")[0][0]
        for port in (cluster.primary_port, cluster.replica_port)
    ]
    print(
        f"  patients: {counts[0]} on the primary, {counts[1]} on the standby (caught up in "
        f"{seconds:.2f} s, lag now {replica_lag(cluster.replica_port):.3f} s)"
    )
    check(counts[0] == counts[1] > 0, "the standby has the primary's rows")
    return found


def prove(cluster: Cluster, args) -> None:
    env = load.server_env(cluster.primary_url)
    env.update(
        DATABASE_REPLICA_URLS=cluster.replica_url,
        # Django's warnings (a replica skipped, a view retried) into gunicorn's error log.
        GUNICORN_CMD_ARGS="--capture-output",
        REDIS_URL="",
    )
    print("\n1. The primary is migrated and seeded; the standby follows", flush=True)
    found = prepare(cluster, env, args)
    print(f"  CSV export's shared snapshot on the standby: "
          f"{snapshot_export_on_standby(cluster.replica_port)}")  # fmt: skip
    log = Path(cluster.workdir.parent) / f"{cluster.workdir.name}-gunicorn.log"
    server = load.Server(env, args.port, log)
    try:
        server.wait_ready()
        cookie, csrf = load.login(args.port, "physio", load.DEMO_PASSWORD)
        admin_cookie, _ = load.login(args.port, "clinicadmin", load.DEMO_PASSWORD)
        routed = pages(found, without_write_cookie(cookie), without_write_cookie(admin_cookie))
        print(f"\n2. Routed pages, {args.rounds} requests each", flush=True)
        routed_pages(cluster, args.port, routed, args.rounds)
        print("\n3. Read your writes", flush=True)
        read_your_writes(cluster, args.port, routed[0][2], csrf, window=5)
        print(f"\n4. The standby stopped under load ({args.clients} clients)", flush=True)
        lose_the_replica(cluster, server, routed, args)
    except BaseException:
        print(f"  gunicorn's log is kept: {log}")
        raise
    finally:
        server.stop()
    log.unlink(missing_ok=True)  # after the stop: gunicorn writes its last lines there
    print("\n5. The audit chains", flush=True)
    load.manage(env, "verify_audit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--primary-port", type=int, default=PRIMARY_PORT)
    parser.add_argument("--replica-port", type=int, default=REPLICA_PORT)
    parser.add_argument("--port", type=int, default=8796, help="gunicorn's port")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20, help="requests per routed page")
    parser.add_argument("--clients", type=int, default=4, help="client threads under load")
    parser.add_argument("--stop-after", type=float, default=4, help="seconds before the stop")
    parser.add_argument("--keep-going", type=float, default=8, help="seconds after the stop")
    args = parser.parse_args()
    if not (PG_BIN / "pg_basebackup").exists():
        sys.exit(f"PostgreSQL's binaries are not in {PG_BIN}: set PG_BIN.")
    started = time.monotonic()
    try:
        with Cluster(args.primary_port, args.replica_port) as cluster:
            prove(cluster, args)
    except Failed as failure:
        sys.exit(f"\nreplica bench FAILED: {failure}")
    except subprocess.CalledProcessError as error:
        sys.exit(f"\nreplica bench FAILED: {' '.join(map(str, error.cmd))} exited "
                 f"{error.returncode}\n{error.stderr or ''}")  # fmt: skip
    print(f"\nreplica bench passed in {time.monotonic() - started:.0f} s; everything torn down")


if __name__ == "__main__":
    main()
