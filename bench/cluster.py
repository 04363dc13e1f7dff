"""The app beyond one machine, on loopback: `make cluster-bench`. Prints figures and checks.

Started and stopped by this one command (never by the tests), with the engines Debian ships:

    HAProxy :8120  ->  gunicorn app server 1 :8121 ┐   ->  PgBouncer :6451 (transaction mode)
                       gunicorn app server 2 :8122 ┘         -> PostgreSQL primary :5451
                       (each: 2 sync workers)              PostgreSQL hot standby :5452
                                                             (pg_basebackup -R, streaming)
                       Redis :6391 (cache: read-your-writes marks, duplicates, limits)

The primary and the standby are throw-away clusters (bench/replica.py); the machine's own
PostgreSQL and Redis are not touched. Missing Debian packages (pgbouncer, haproxy, wrk,
redis-server, postgresql) are installed with apt-get when running as root.

1. ``migrate``, ``seed_scale --patients N`` on the primary; the standby catches up.
2. **Single server**: one gunicorn (2 workers) straight on the primary, no pooler, no
   replica, no Redis: bench/load.py's pages under wrk (``--connections`` 8).
   Then the clinic's CSV export, streamed whole.
3. **Cluster**: the same pages through HAProxy; every page must show 0 errors, and the
   standby's own statistics (``pg_stat_user_tables`` scans) must count the routed reads. The
   CSV export through HAProxy and PgBouncer (its readers share one exported snapshot) must
   give every assessment once, the same rows as on the single server.
4. Shared state: a session made on app server 1 is signed in on app server 2; five failed
   log-ins spread over both servers lock the account (django-axes' rows are in PostgreSQL).
5. **Failures under load**: client threads create assessments and read pages through HAProxy
   for ``--chaos-seconds``; app server 2 is killed (SIGKILL, whole process group) and later
   the standby is stopped (``pg_ctl -m immediate``). Checks: every write that was answered
   is stored whole (assessment, evaluation snapshot, history and access-log rows); failures
   are at most the requests in flight at each kill, and none after it.
6. ``verify_audit`` passes on the primary.

Exits non-zero when any check fails. ``--suite`` instead runs the whole test suite (pytest)
through PgBouncer in transaction mode on a throw-away primary.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import failover  # noqa: E402  (bench/failover.py: writing clients and their checks)
import load  # noqa: E402  (bench/load.py: servers, log-in, wrk)
import replica  # noqa: E402  (bench/replica.py: throw-away primary and standby)

ROOT = load.ROOT
PY = load.PY
HOST = load.HOST
PORTS = {"haproxy": 8120, "app1": 8121, "app2": 8122, "pgbouncer": 6451, "redis": 6391}
PRIMARY_PORT, REPLICA_PORT = 5451, 5452
PACKAGES = {  # a binary each needs -> its Debian package
    "/usr/sbin/pgbouncer": "pgbouncer",
    "/usr/sbin/haproxy": "haproxy",
    "/usr/bin/wrk": "wrk",
    "/usr/bin/redis-server": "redis-server",
    str(replica.PG_BIN / "pg_basebackup"): "postgresql",
}
READ_PAGES = ["/", "/patients/", "/patients/?q=harri", "/patients/?sort=-last_seen"]


# --- Packages and processes ------------------------------------------------------------------


def ensure_packages() -> None:
    missing = sorted({pkg for binary, pkg in PACKAGES.items() if not Path(binary).exists()})
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"make cluster-bench needs Debian's {', '.join(missing)}: install them as root.")
    print(f"installing {', '.join(missing)} with apt-get ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env, timeout=900)
    for binary in PACKAGES:
        if not Path(binary).exists():
            sys.exit(f"{binary} is still missing after apt-get install.")


class Process:
    """A background process in its own process group, killed (the group) by stop()."""

    def __init__(self, name: str, command: list[str], log: Path, env=None):
        self.name, self.log = name, log
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_port(port: int, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not listen on {HOST}:{port} within {timeout:.0f} s.")


def start_pgbouncer(workdir: Path, backend_port: int) -> Process:
    """PgBouncer in transaction mode: every database name goes to the primary (the test
    suite creates its own). The settings the app needs are in docs/deployment.md."""
    conf = workdir / "pgbouncer.ini"
    conf.write_text(
        "[databases]\n"
        f"* = host={HOST} port={backend_port}\n"
        "[pgbouncer]\n"
        f"listen_addr = {HOST}\n"
        f"listen_port = {PORTS['pgbouncer']}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {workdir / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        "max_client_conn = 1000\n"
        "default_pool_size = 40\n"
        "reserve_pool_size = 10\n"
        "server_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        "admin_users = postgres\n"
    )
    (workdir / "userlist.txt").write_text('"postgres" ""\n')
    for path in (conf, workdir / "userlist.txt"):
        shutil.chown(path, replica.PG_USER)
    prefix = ["runuser", "-u", replica.PG_USER, "--"] if os.geteuid() == 0 else []
    process = Process(
        "pgbouncer", [*prefix, "/usr/sbin/pgbouncer", str(conf)], workdir / "pgbouncer.log"
    )
    wait_port(PORTS["pgbouncer"], "PgBouncer")
    return process


def start_redis(workdir: Path) -> Process:
    process = Process(
        "redis",
        [
            "redis-server", "--port", str(PORTS["redis"]), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", str(workdir),
        ],
        workdir / "redis.log",
    )  # fmt: skip
    wait_port(PORTS["redis"], "Redis")
    return process


def start_haproxy(workdir: Path) -> Process:
    """Round robin over both app servers; a server that refuses connections is skipped at
    once (redispatch), and taken out after two failed health checks a second apart."""
    conf = workdir / "haproxy.cfg"
    conf.write_text(
        "global\n"
        "  maxconn 2000\n"
        f"  stats socket {workdir / 'haproxy.sock'} mode 600 level admin\n"
        "defaults\n"
        "  mode http\n"
        "  timeout connect 2s\n"
        "  timeout client 130s\n"
        "  timeout server 130s\n"
        "  retries 3\n"
        "  option redispatch\n"
        "  option forwardfor\n"
        "frontend web\n"
        f"  bind {HOST}:{PORTS['haproxy']}\n"
        "  default_backend app\n"
        "backend app\n"
        "  balance roundrobin\n"
        "  option httpchk\n"
        f"  http-check send meth GET uri /accounts/login/ ver HTTP/1.1 hdr Host {HOST}\n"
        "  http-check expect status 200\n"
        f"  server app1 {HOST}:{PORTS['app1']} check inter 1s fall 2 rise 2\n"
        f"  server app2 {HOST}:{PORTS['app2']} check inter 1s fall 2 rise 2\n"
    )
    process = Process(
        "haproxy", ["/usr/sbin/haproxy", "-f", str(conf), "-db"], workdir / "haproxy.log"
    )
    wait_port(PORTS["haproxy"], "HAProxy")
    return process


def haproxy_served(workdir: Path) -> dict[str, dict[str, int]]:
    """Per app server: requests HAProxy sent it and the 5xx answers it gave (``show stat``)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(workdir / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    served = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "app" and row.get("svname", "").startswith("app"):
            served[row["svname"]] = {
                key: int(row.get(column) or 0)
                for key, column in (
                    ("requests", "stot"),
                    ("5xx", "hrsp_5xx"),
                    ("connection errors", "econ"),
                    ("response errors", "eresp"),
                    ("retried", "wretr"),
                    ("redispatched", "wredis"),
                )
            }
    return served


# --- Checks ----------------------------------------------------------------------------------


def shared_session(cookie: str) -> bool:
    """The session made through app server 1 (``cookie``) is signed in on app server 2."""
    status, text = load.get(PORTS["app2"], "/", cookie)
    return status == 200 and 'name="password"' not in text


def lockout_across_servers(env, limit: int) -> tuple[bool, str]:
    """``limit`` wrong passwords, alternating between the two app servers, then the right
    one: refused (429) because the failures were counted together."""
    username, password = f"lock-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    manage_shell(
        env,
        "from pht.models import Clinic, Membership, User\n"
        f"u = User.objects.create_user({username!r}, password={password!r})\n"
        "Membership.objects.create(user=u, clinic=Clinic.objects.get(name='Demo Physio Clinic'),"
        " role='clinician')\n",
    )
    statuses = []
    for attempt in range(limit):
        port = PORTS["app1"] if attempt % 2 == 0 else PORTS["app2"]
        statuses.append(post_login(port, username, "wrong-" + password))
    final = post_login(PORTS["app2"], username, password)
    detail = f"wrong passwords answered {statuses}; the right one then answered {final}"
    return final == 429, detail


def post_login(port: int, username: str, password: str) -> int:
    status, page, cookie = get_with_cookie(port, "/accounts/login/")
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    fields = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    return load.post_form(port, "/accounts/login/", fields, cookie)[0]


def get_with_cookie(port: int, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        cookies = "; ".join(load.set_cookies(response))
        return response.status, response.read().decode("utf-8", "replace"), cookies
    finally:
        conn.close()


def manage_shell(env, code: str) -> str:
    return subprocess.run(
        [PY, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout


class Reader(threading.Thread):
    """Reads the routed pages through the load balancer in a loop; records (time, outcome)."""

    def __init__(self, cookie: str, deadline: float, results: list, lock: threading.Lock):
        super().__init__(daemon=True)
        self.cookie, self.deadline, self.results, self.lock = cookie, deadline, results, lock

    def run(self):
        turn = 0
        while time.monotonic() < self.deadline:
            path = READ_PAGES[turn % len(READ_PAGES)]
            turn += 1
            at = time.monotonic()
            try:
                status, text = load.get(PORTS["haproxy"], path, self.cookie)
                outcome = "ok" if status == 200 and 'name="password"' not in text else status
            except OSError as error:
                outcome = type(error).__name__
            with self.lock:
                self.results.append((at, str(outcome)))


# --- The run ---------------------------------------------------------------------------------


def cluster_env(base: dict) -> dict:
    env = dict(base)
    env.update(
        DATABASE_URL=f"postgres://postgres@{HOST}:{PORTS['pgbouncer']}/{replica.DBNAME}",
        DATABASE_POOL_MODE="transaction",
        DATABASE_REPLICA_URLS=f"postgres://postgres@{HOST}:{REPLICA_PORT}/{replica.DBNAME}",
        REDIS_URL=f"redis://{HOST}:{PORTS['redis']}/0",
        TRUSTED_PROXIES=HOST,
        ALLOWED_HOSTS=HOST,
    )
    return env


def print_table(single: dict, cluster: dict, args) -> None:
    print()
    print(
        f"wrk: {args.connections} connections, {args.duration} s per page; {os.cpu_count()} CPUs "
        f"on one machine; {args.patients:,} patients x 3 assessments"
    )
    print(
        f"{'page':<26} {'single: req/s':>13} {'p50':>6} {'p99':>6} {'err':>4}   "
        f"{'cluster: req/s':>14} {'p50':>6} {'p99':>6} {'err':>4}"
    )
    for name, one in single.items():
        two = cluster.get(name)
        if two is None:
            continue
        print(
            f"{name:<26} {one['rps']:>13.1f} {one['p50']:>6.0f} {one['p99']:>6.0f} "
            f"{one['errors']:>4}   {two['rps']:>14.1f} {two['p50']:>6.0f} {two['p99']:>6.0f} "
            f"{two['errors']:>4}"
        )
    print("(p50 and p99 in ms; single = 1 gunicorn on the primary, cluster = HAProxy, 2 gunicorn,")
    print(" PgBouncer, primary + standby, Redis)")


def bench_pages(port: int, found: dict, wrk: str, args) -> dict:
    cookies = {"admin": load.login(port, "benchadmin", found["admin_password"], "/admin/")[0]}
    cookies["app"], csrf = load.login(port, "physio", load.DEMO_PASSWORD)
    return load.run_pages(wrk, port, load.page_list(found, csrf), cookies, csrf, args)


def export_csv(port: int) -> dict:
    """The clinic's CSV export streamed through ``port`` as the demo clinic admin: rows, distinct
    assessment ids and seconds. Through PgBouncer its readers share one exported snapshot
    (exports/csv.py), each on its own server connection for its whole transaction."""
    cookie, _csrf = load.login(port, "clinicadmin", load.DEMO_PASSWORD)
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    conn.request("GET", "/exports/assessments.csv", headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        return {"status": response.status, "rows": 0, "ids": 0, "seconds": seconds}
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))[1:]
    return {
        "status": 200,
        "rows": len(rows),
        "ids": len({row[0] for row in rows}),
        "seconds": seconds,
    }


def print_csv(where: str, result: dict) -> None:
    print(
        f"CSV export ({where}): {result['status']}, {result['rows']:,} rows, "
        f"{result['ids']:,} distinct assessments in {result['seconds']:.1f} s"
        + (f" = {result['rows'] / result['seconds']:,.0f} rows/s" if result["seconds"] else ""),
        flush=True,
    )


def chaos(env, cluster: replica.Cluster, apps: dict, args) -> dict:
    """Writers and readers through HAProxy; app server 2 killed, then the standby stopped."""
    patient = failover.failover_patient(env)
    cookie, csrf = load.login(PORTS["haproxy"], "physio", load.DEMO_PASSWORD)
    token = f"cluster-{secrets.token_hex(6)}"
    body = urllib.parse.urlencode(
        {**load.PANEL_FORM, "clinical_notes": token, "csrfmiddlewaretoken": csrf}, doseq=True
    )
    writes: list = []
    reads: list = []
    lock = threading.Lock()
    started = time.monotonic()
    deadline = started + args.chaos_seconds
    path = f"/patients/{patient}/assessments/new/"
    threads = [
        failover.Client(PORTS["haproxy"], path, cookie, csrf, body, deadline, writes, lock)
        for _ in range(args.writers)
    ] + [Reader(cookie, deadline, reads, lock) for _ in range(args.readers)]
    for thread in threads:
        thread.start()
    time.sleep(args.chaos_seconds * 0.3)
    print("killing app server 2 (SIGKILL) under load ...", flush=True)
    app_killed = time.monotonic()
    with contextlib.suppress(ProcessLookupError):  # gunicorn's master and workers at once
        os.killpg(apps["app2"].proc.pid, signal.SIGKILL)
    time.sleep(args.chaos_seconds * 0.3)
    print("stopping the standby (immediate) under load ...", flush=True)
    replica_stopped = time.monotonic()
    replica.stop(cluster.replica_dir, "immediate")
    for thread in threads:
        thread.join(timeout=args.chaos_seconds + 120)
    created = [detail for _at, outcome, detail in writes if outcome == "created"]
    checks = failover.check_writes(env, token, created)
    return {
        "writes": writes,
        "reads": reads,
        "checks": checks,
        "app_killed": app_killed,
        "replica_stopped": replica_stopped,
        "started": started,
    }


def failures_between(results, start: float, end: float, ok: set[str]) -> list:
    return [(at, outcome) for at, outcome, *_ in results if start <= at < end and outcome not in ok]


def report_chaos(result: dict, args) -> list[tuple[str, bool, str]]:
    in_flight = args.writers + args.readers
    writes, reads = result["writes"], result["reads"]
    killed, stopped = result["app_killed"], result["replica_stopped"]
    write_ok, read_ok = {"created"}, {"ok"}
    settle = 3.0  # the balancer's health check takes a dead server out within 2 s
    end = float("inf")
    checks = result["checks"]
    whole = (
        checks["stored"] == checks["snapshots"] == checks["history"] == checks["access_log"]
        and not checks["answered_not_stored"]
    )
    at_kill = failures_between(writes, killed - 1, killed + settle, write_ok) + failures_between(
        reads, killed - 1, killed + settle, read_ok
    )
    at_stop = failures_between(writes, stopped - 1, stopped + settle, write_ok) + (
        failures_between(reads, stopped - 1, stopped + settle, read_ok)
    )
    elsewhere = [
        f
        for f in failures_between(writes, result["started"], end, write_ok)
        + failures_between(reads, result["started"], end, read_ok)
        if not (killed - 1 <= f[0] < killed + settle or stopped - 1 <= f[0] < stopped + settle)
    ]
    after = [at for at, outcome, *_ in writes if outcome == "created" and at > stopped + settle]
    after_reads = [at for at, outcome in reads if outcome == "ok" and at > stopped + settle]
    print()
    print(
        f"under failures: {len(writes)} writes ({len(checks['ids'])} stored), {len(reads)} reads,"
        f" {args.writers} writers + {args.readers} readers"
    )
    print(f"failed at the app server kill: {len(at_kill)} {sorted({o for _a, o in at_kill})}")
    print(f"failed at the standby stop: {len(at_stop)} {sorted({o for _a, o in at_stop})}")
    print(f"failed at any other moment: {len(elsewhere)}")
    print(
        f"stored {checks['stored']}, answered {checks['answered']}, whole (snapshot, history, "
        f"access log) {checks['snapshots']}/{checks['history']}/{checks['access_log']}; "
        f"answered but not stored: {len(checks['answered_not_stored'])}; stored but the answer "
        f"was lost in flight: {len(checks['stored_not_answered'])}"
    )
    return [
        ("no answered write lost, none half-written", whole, ""),
        (
            "app server kill cost at most the requests in flight",
            len(at_kill) <= in_flight,
            f"{len(at_kill)} <= {in_flight}",
        ),
        (
            "standby stop cost at most the requests in flight",
            len(at_stop) <= in_flight,
            f"{len(at_stop)} <= {in_flight}",
        ),
        ("no failures outside the two events", not elsewhere, str(elsewhere[:5])),
        (
            "writes and reads go on after both failures",
            bool(after) and bool(after_reads),
            f"{len(after)} writes, {len(after_reads)} reads after",
        ),
    ]


def run_bench(args) -> int:
    wrk = load.ensure_wrk()
    workdir = replica.make_workdir()
    processes: list[Process] = []
    checks: list[tuple[str, bool, str]] = []
    cluster = replica.Cluster(PRIMARY_PORT, REPLICA_PORT)
    try:
        cluster.start()
        single_env = load.server_env(cluster.primary_url)
        load.manage(single_env, "migrate", "--no-input", "-v0")
        load.manage(single_env, "collectstatic", "--no-input", "-v0")
        load.manage(single_env, "seed_scale", f"--patients={args.patients}")
        found = load.targets(single_env)
        lag = replica.wait_caught_up(PRIMARY_PORT, REPLICA_PORT)
        print(f"standby caught up ({lag:.1f} s)", flush=True)

        print("\n== single server: 1 gunicorn, straight on the primary ==", flush=True)
        single_server = load.Server(single_env, PORTS["app1"], workdir / "single.log")
        try:
            single_server.wait_ready()
            single = bench_pages(PORTS["app1"], found, wrk, args)
            single_csv = export_csv(PORTS["app1"])
            print_csv("single server", single_csv)
        finally:
            single_server.stop()

        print("\n== cluster: HAProxy, 2 gunicorn, PgBouncer, primary + standby, Redis ==")
        processes.append(start_pgbouncer(workdir, PRIMARY_PORT))
        processes.append(start_redis(workdir))
        env = cluster_env(single_env)
        apps = {
            name: load.Server(env, PORTS[name], workdir / f"{name}.log")
            for name in ("app1", "app2")
        }
        for app in apps.values():
            app.wait_ready()
        processes.append(start_haproxy(workdir))
        time.sleep(2.5)  # two health checks: both servers up
        before = replica.settled_reads(REPLICA_PORT, PRIMARY_PORT)
        calls_before = [replica.statement_calls(p) for p in (REPLICA_PORT, PRIMARY_PORT)]
        result = bench_pages(PORTS["haproxy"], found, wrk, args)
        cluster_csv = export_csv(PORTS["haproxy"])
        print_csv("HAProxy, PgBouncer", cluster_csv)
        after = replica.settled_reads(REPLICA_PORT, PRIMARY_PORT)
        calls = [replica.statement_calls(p) - calls_before[i]
                 for i, p in enumerate((REPLICA_PORT, PRIMARY_PORT))]  # fmt: skip
        print(f"app statements run during the cluster pages: standby {calls[0]:,}, "
              f"primary {calls[1]:,} (pg_stat_statements)")  # fmt: skip
        counted, on_primary = (
            {key: now[key] - then[key] for key in now}
            for then, now in zip(before, after, strict=True)
        )
        print(f"standby statistics during the cluster pages: {counted}")
        print(f"primary statistics during the cluster pages: {on_primary}")
        served = haproxy_served(workdir)
        print(f"HAProxy sent: {served}")
        checks.append(
            (
                "both app servers served the pages",
                all(server["requests"] > 0 for server in served.values()) and len(served) == 2,
                str(served),
            )
        )
        errors = {name: r["errors"] for name, r in result.items() if r["errors"]}
        checks.append(("cluster pages: 0 errors at c=8", not errors, str(errors)))
        checks.append(
            (
                "standby counted the routed reads",
                counted.get("table_scans", 0) > 0 and calls[0] > 0,
                f"{calls[0]:,} statements, {counted['table_scans']:,} table scans",
            )
        )
        checks.append(
            (
                "CSV export through PgBouncer: every assessment once, as on the single server",
                cluster_csv["status"] == 200
                and cluster_csv["rows"] == cluster_csv["ids"] == single_csv["rows"] > 0,
                f"{cluster_csv['rows']:,} rows, {cluster_csv['ids']:,} distinct; "
                f"single server {single_csv['rows']:,}",
            )
        )
        cookie, _csrf = load.login(PORTS["app1"], "physio", load.DEMO_PASSWORD)
        checks.append(("a session made on server 1 is signed in on server 2",
                       shared_session(cookie), ""))  # fmt: skip
        checks.append(("failed log-ins on both servers lock the account",
                       *lockout_across_servers(env, args.axes_limit)))  # fmt: skip
        print_table(single, result, args)

        print(f"\n== failures under load ({args.chaos_seconds} s) ==", flush=True)
        checks.extend(report_chaos(chaos(env, cluster, {**apps}, args), args))
        print(f"HAProxy after the failures: {haproxy_served(workdir)}")
        for app in apps.values():
            app.stop()
        anchored = subprocess.run(
            [PY, "manage.py", "anchor_audit"],
            cwd=ROOT,
            env=single_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        print((anchored.stdout.strip().splitlines() or [anchored.stderr[-300:]])[-1])
        checks.append(("anchor_audit wrote the chains' heads", anchored.returncode == 0, ""))
        audit = subprocess.run(
            [PY, "manage.py", "verify_audit"],
            cwd=ROOT,
            env=single_env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        checks.append(("verify_audit passes on the primary", audit.returncode == 0,
                       audit.stderr[-500:]))  # fmt: skip
    finally:
        for process in reversed(processes):
            process.stop()
        cluster.close()
    print()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
    failed = [name for name, ok, _ in checks if not ok]
    print(f"\nlogs: {workdir}" if failed else "")
    if not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def run_suite(args) -> int:
    """The whole test suite through PgBouncer (transaction mode) on a throw-away primary."""
    workdir = replica.make_workdir()
    cluster = replica.Cluster(PRIMARY_PORT, REPLICA_PORT)
    bouncer = None
    try:
        cluster.start()
        bouncer = start_pgbouncer(workdir, PRIMARY_PORT)
        env = dict(
            os.environ,
            DEBUG="1",
            DATABASE_URL=f"postgres://postgres@{HOST}:{PORTS['pgbouncer']}/{replica.DBNAME}",
            DATABASE_POOL_MODE="transaction",
        )
        # --reuse-db: the test database is created through PgBouncer and not dropped through
        # it (PgBouncer keeps its server connections open, so DROP DATABASE would be refused);
        # the throw-away cluster goes with it.
        command = [PY, "-m", "pytest", "-rs", "-p", "no:cacheprovider", "--reuse-db", *args.pytest]
        print("$ DATABASE_URL=<PgBouncer> DATABASE_POOL_MODE=transaction " + " ".join(command[1:]))
        return subprocess.run(command, cwd=ROOT, env=env).returncode
    finally:
        if bouncer:
            bouncer.stop()
        cluster.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--patients", type=int, default=10_000, help="patients seeded on the primary (10,000)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--chaos-seconds",
        type=int,
        default=30,
        help="seconds of load while an app server, then the standby, are killed (30)",
    )
    parser.add_argument(
        "--writers", type=int, default=3, help="clients saving new assessments during the kills (3)"
    )
    parser.add_argument(
        "--readers", type=int, default=3, help="clients reading lists during the kills (3)"
    )
    parser.add_argument(
        "--axes-limit", type=int, default=5, help="failed log-ins that lock an account (5)"
    )
    parser.add_argument("--suite", action="store_true", help="run pytest through PgBouncer")
    parser.add_argument("pytest", nargs="*", help="with --suite: arguments for pytest")
    args = parser.parse_args()
    args.only = ""
    ensure_packages()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, replica._raise_exit)
    sys.exit(run_suite(args) if args.suite else run_bench(args))


if __name__ == "__main__":
    main()
