"""SQLite under several users at once: concurrent reads and writes. Prints figures.

Run: ``.venv/bin/python bench/sqlite_concurrency.py`` (``--users 8 --duration 60`` by
default). Never run by the tests. What it does, each step bounded in time:

1. makes a fresh SQLite database in a temporary folder (``DATABASE_URL`` is ignored), runs
   ``migrate``, ``collectstatic`` and ``seed_demo`` on it;
2. serves the app with gunicorn on 127.0.0.1 (``--workers`` processes of ``--threads``
   threads each, 2 x 4 by default: two processes and eight threads share the one database
   file) with production settings over plain HTTP, as bench/load.py does;
3. starts ``--users`` simulated users (threads, closed loop, no think time), each logged in
   through the login form with its own session (the demo users ``physio`` and
   ``clinicadmin``, alternately). Each request is chosen at random (seeded): reads of a
   patient record, an assessment page and a rehab plan page (every one writes its access-log
   row), and writes: a new draft assessment (the consultation form, saved), a VISA-H
   questionnaire and a rehab review;
4. prints requests, the answers that were not the expected one (GET 200, POST 302) by status,
   p50 and p99 latency (all, reads, writes), requests per second and how many times the
   server log says "database is locked".

Exits 1 when any request failed. Every process started here is stopped at the end (its
process group is killed) and the temporary folder is removed (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.client
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import DEMO_PASSWORD, HOST, PANEL_FORM, PY, ROOT, Server, login, server_env  # noqa: E402

USERS = ("physio", "clinicadmin")
READ_WEIGHT = 3  # reads per write, on average
VISA_H_FORM = {
    **{f"q{n}": "5" for n in range(1, 7)},
    "q7": "1",
    "q8_branch": "b",
    "q8b": "2",
}
REVIEW_FORM = {"marker_pain": "2", "response_24h": "same", "adherence": "full"}


def targets(env) -> dict:
    """Records of the demo clinic to read and write: active patients, assessments, plans."""
    code = (
        "import json\n"
        "from assessments.models import Assessment, Patient\n"
        "from rehab.models import RehabPlan\n"
        "c = {'clinic__name': 'Demo Physio Clinic'}\n"
        "active = Patient.objects.filter(archived_at__isnull=True, **c)\n"
        "print(json.dumps({\n"
        "  'patients': [str(p) for p in active.values_list('pk', flat=True)],\n"
        "  'assessments': [str(a) for a in Assessment.objects.filter(**c)"
        ".values_list('pk', flat=True)],\n"
        "  'plans': [str(p) for p in RehabPlan.objects.filter("
        "patient__archived_at__isnull=True, **c).values_list('pk', flat=True)],\n"
        "}))\n"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    if not all(found.values()):
        raise SystemExit(f"The demo data lacks patients, assessments or plans: {found}")
    return found


class User(threading.Thread):
    """One clinician clicking through the app as fast as the server answers."""

    def __init__(self, number: int, port: int, found: dict, deadline: float, seed: int):
        super().__init__(name=f"user-{number}", daemon=True)
        self.port, self.found, self.deadline = port, found, deadline
        self.username = USERS[number % len(USERS)]
        self.random = random.Random(seed + number)
        self.results: list[tuple[str, str, int | str, float]] = []  # kind, name, status, ms
        self.cookie = self.csrf = ""

    def run(self) -> None:
        self.cookie, self.csrf = login(self.port, self.username, DEMO_PASSWORD)
        while time.monotonic() < self.deadline:
            if self.random.randrange(READ_WEIGHT + 1) < READ_WEIGHT:
                self.read()
            else:
                self.write()

    def read(self) -> None:
        name, path = self.random.choice(
            [
                ("patient record", "/patients/{}/".format(self.pick("patients"))),
                ("assessment page", "/assessments/{}/".format(self.pick("assessments"))),
                ("plan page", "/rehab/plans/{}/".format(self.pick("plans"))),
            ]
        )
        self.request("read", name, "GET", path)

    def write(self) -> None:
        today = datetime.date.today().isoformat()
        patient, plan = self.pick("patients"), self.pick("plans")
        name, path, form = self.random.choice(
            [
                (
                    "save a new draft",
                    f"/patients/{patient}/assessments/new/",
                    {**PANEL_FORM, "assessed_on": today, "action": "save"},
                ),
                (
                    "record a VISA-H",
                    f"/patients/{patient}/visa-h/new/",
                    {**VISA_H_FORM, "completed_on": today},
                ),
                (
                    "record a review",
                    f"/rehab/plans/{plan}/reviews/new/",
                    {**REVIEW_FORM, "reviewed_on": today},
                ),
            ]
        )
        body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf}, doseq=True)
        self.request("write", name, "POST", path, body)

    def pick(self, kind: str) -> str:
        return self.random.choice(self.found[kind])

    def request(self, kind: str, name: str, method: str, path: str, body: str = "") -> None:
        headers = {"Cookie": self.cookie}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        expected = 302 if method == "POST" else 200
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            response.read()
            status: int | str = response.status
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__
        finally:
            conn.close()
        elapsed = (time.perf_counter() - started) * 1000
        self.results.append((kind, name, status if status != expected else "ok", elapsed))


class ThreadedServer(Server):
    """bench/load.py's gunicorn, with threaded workers: several requests per process at once."""

    def __init__(self, env, port: int, log: Path, *, workers: int, threads: int):
        self.port, self.log = port, log
        # The app logs to stderr (pht.settings LOGGING): kept for the "locked" count.
        self.app_log = log.with_suffix(".app.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(Path(PY).with_name("gunicorn")),
                "pht.wsgi:application",
                f"--workers={workers}",
                f"--threads={threads}",
                "--worker-class=gthread",
                f"--bind={HOST}:{port}",
                "--timeout=120",
                "--graceful-timeout=5",
                f"--error-logfile={log}",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=self.app_log,
        )

    def stop(self) -> None:
        super().stop()
        self.app_log.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(results, seconds: float, log: Path) -> int:
    failed = [r for r in results if r[2] != "ok"]
    by_status = collections.Counter(str(r[2]) for r in failed)
    by_name = collections.Counter((r[1], str(r[2])) for r in failed)
    print()
    print(f"requests      {len(results)} in {seconds:.1f} s = {len(results) / seconds:.1f} req/s")
    print(f"errors        {len(failed)}" + (f"  by status: {dict(by_status)}" if failed else ""))
    for (name, status), count in sorted(by_name.items()):
        print(f"              {count:5d} x {status} on {name}")
    for label, kinds in (("all", {"read", "write"}), ("reads", {"read"}), ("writes", {"write"})):
        times = [r[3] for r in results if r[0] in kinds]
        if times:
            print(
                f"{label:<13} n={len(times):<6d} p50 {percentile(times, 0.5):7.1f} ms  "
                f"p99 {percentile(times, 0.99):7.1f} ms  mean {statistics.fmean(times):7.1f} ms"
            )
    app_log = log.with_suffix(".app.log")
    text = app_log.read_text(errors="replace") if app_log.exists() else ""
    locked = text.count("database is locked")
    print(f"server log    'database is locked' {locked} times")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--port", type=int, default=8798)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the database and server log")
    args = parser.parse_args()
    if not 1 <= args.duration <= 600 or not 1 <= args.users <= 64:
        sys.exit("--duration must be 1..600 s and --users 1..64.")
    with socket.socket() as probe:
        if probe.connect_ex((HOST, args.port)) == 0:
            sys.exit(f"Port {args.port} is in use on {HOST}: choose another with --port.")

    folder = Path(tempfile.mkdtemp(prefix="pht-sqlite-bench-"))
    env = server_env(f"sqlite:///{folder / 'db.sqlite3'}")
    log = folder / "gunicorn.log"
    server = None
    try:
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["collectstatic", "--no-input", "-v0"],
            ["seed_demo"],
        ):
            print(f"$ manage.py {' '.join(command)}", flush=True)
            subprocess.run(
                [PY, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=600,
                stdout=subprocess.DEVNULL,
            )
        found = targets(env)
        server = ThreadedServer(env, args.port, log, workers=args.workers, threads=args.threads)
        server.wait_ready()
        print(
            f"{args.users} users for {args.duration} s against gunicorn "
            f"({args.workers} workers x {args.threads} threads) on {folder / 'db.sqlite3'} ...",
            flush=True,
        )
        started = time.monotonic()
        users = [
            User(n, args.port, found, started + args.duration, args.seed) for n in range(args.users)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(args.duration + 120)
        seconds = time.monotonic() - started
        results = [result for user in users for result in user.results]
        code = report(results, seconds, log)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
