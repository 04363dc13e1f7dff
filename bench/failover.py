"""Failure under load: restart PostgreSQL while clients create assessments. Prints the checks.

Run: ``DATABASE_URL=postgres://... .venv/bin/python bench/failover.py`` (or
``bench/load.py --failover``). Needs root on the database host (it runs ``pg_ctlcluster ...
restart``) and a seeded database (bench/load.py seeds it). Never run by the tests.

Four client threads POST the new-assessment form (a full consultation, marked with a run
token in the clinical notes) to gunicorn (2 sync workers, production settings) for
``--duration`` seconds; ``--restart-after`` seconds in, PostgreSQL is restarted. Then:

- every failed request must have answered the clean error page (``templates/500.html``:
  "Something went wrong", no traceback), or failed to connect;
- requests must succeed again after the restart without restarting gunicorn (the app
  reconnects by itself: ``CONN_MAX_AGE`` with ``CONN_HEALTH_CHECKS``);
- no assessment is half-written: the assessments carrying the run token are exactly the
  successful responses (or, for a commit whose response was lost, listed), and each has
  its evaluation snapshot, its creation history row and its access-log row;
- ``verify_audit`` passes.

Before restarting it waits (up to 2 minutes) for other databases on the server to be idle,
so it does not break someone else's test run; ``--force`` skips the wait.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: server, login and settings helpers)

ROOT = load.ROOT
CLEAN_ERROR = "Something went wrong"


def pg_cluster() -> tuple[str, str]:
    versions = sorted(Path("/etc/postgresql").iterdir(), key=lambda p: int(p.name))
    version = versions[-1]
    cluster = sorted(p.name for p in version.iterdir())[0]
    return version.name, cluster


def other_activity(env) -> int:
    code = (
        "from django.db import connection\n"
        "c = connection.cursor()\n"
        'c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL AND '
        "datname <> current_database() AND state = 'active'\")\n"
        "print(c.fetchone()[0])\n"
    )
    out = subprocess.run(
        [load.PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    return int(out[-1]) if out else 0


class Client(threading.Thread):
    def __init__(self, port, path, cookie, csrf, body, deadline, results, lock):
        super().__init__(daemon=True)
        self.port, self.path, self.cookie, self.csrf, self.body = port, path, cookie, csrf, body
        self.deadline, self.results, self.lock = deadline, results, lock

    def run(self):
        for _ in range(100_000):
            if time.monotonic() > self.deadline:
                return
            at = time.monotonic()
            outcome, detail = self.post()
            with self.lock:
                self.results.append((at, outcome, detail))
            if outcome == "connect":
                time.sleep(0.2)

    def post(self):
        conn = http.client.HTTPConnection(load.HOST, self.port, timeout=30)
        try:
            conn.request(
                "POST",
                self.path,
                body=self.body,
                headers={
                    "Cookie": self.cookie,
                    "X-CSRFToken": self.csrf,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError as error:
            return "connect", type(error).__name__
        finally:
            conn.close()
        location = response.getheader("Location") or ""
        if response.status == 302 and location.startswith("/assessments/"):
            return "created", location.split("/")[2]
        if response.status == 500:
            clean = CLEAN_ERROR in text and "Traceback" not in text and 'File "' not in text
            return ("error_clean" if clean else "error_raw"), text[:200]
        return f"status_{response.status}", text[:200]


def check_writes(env, token: str, created_ids: list[str]) -> dict:
    code = f"""
import json
from assessments.models import Assessment
from pht.models import AccessLog
rows = list(Assessment.objects.filter(clinical_notes__contains={token!r}).values_list(
    "id", "rules_version", "evaluation", "top_diagnosis"))
ids = [str(r[0]) for r in rows]
snap = sum(1 for r in rows if r[1] and r[2].get("differentials") and r[3])
hist = Assessment.history.filter(id__in=ids, history_type="+").values("id").distinct().count()
logs = AccessLog.objects.filter(object_id__in=ids, action="create", object_type="assessment").values("object_id").distinct().count()
print("RESULT " + json.dumps({{"ids": ids, "snapshots": snap, "history": hist, "access_log": logs}}))
"""
    out = subprocess.run(
        [load.PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    import json

    data = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    stored = set(data["ids"])
    answered = set(created_ids)
    data["stored"] = len(stored)
    data["answered"] = len(answered)
    data["answered_not_stored"] = sorted(answered - stored)
    data["stored_not_answered"] = sorted(stored - answered)
    return data


FAILOVER_PATIENT = "BENCH-FAILOVER"


def failover_patient(env) -> str:
    """The patient the scenario writes to: its own, so that the page benchmarks' patient
    (SC-0000500) keeps its three assessments however often this runs."""
    code = (
        "from assessments import services\n"
        "from assessments.models import Patient\n"
        "from pht.audit import Actor\n"
        "from pht.models import Clinic, User\n"
        "clinic = Clinic.objects.get(name='Demo Physio Clinic')\n"
        f"p = Patient.objects.filter(clinic=clinic, identifier={FAILOVER_PATIENT!r}).first()\n"
        "if p is None:\n"
        "    p = services.create_patient(actor=Actor(User.objects.get(username='physio'), clinic),"
        f" data={{'identifier': {FAILOVER_PATIENT!r}, 'given_name': 'Failover',"
        " 'family_name': 'Benchmark', 'date_of_birth': '1980-01-01', 'sex': 'female'})\n"
        "print(p.pk)\n"
    )
    out = subprocess.run(
        [load.PY, "manage.py", "shell", "-c", code],
        cwd=load.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    return out[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--restart-after", type=int, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--force", action="store_true", help="do not wait for other databases")
    args = parser.parse_args()
    if not 5 <= args.duration <= 300 or not 1 <= args.restart_after < args.duration:
        sys.exit("--duration must be 5..300 s and --restart-after inside it.")
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench/failover.py restarts PostgreSQL: set DATABASE_URL to a PostgreSQL database."
        )
    if os.geteuid() != 0:
        sys.exit(
            "bench/failover.py runs pg_ctlcluster restart: run it as root on the database host."
        )
    version, cluster = pg_cluster()
    env = load.server_env(database_url)
    patient = failover_patient(env)
    if not args.force:
        for _ in range(60):
            if other_activity(env) == 0:
                break
            print("other databases are busy; waiting before restarting PostgreSQL ...", flush=True)
            time.sleep(2)
        else:
            sys.exit("Other databases stayed busy for 2 minutes; not restarting (use --force).")

    token = f"failover-{secrets.token_hex(6)}"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"pht-failover-gunicorn-{os.getpid()}.log"
    server = load.Server(env, args.port, log)
    results: list = []
    lock = threading.Lock()
    try:
        server.wait_ready()
        cookie, csrf = load.login(args.port, "physio", load.DEMO_PASSWORD)
        body = urllib.parse.urlencode(
            {**load.PANEL_FORM, "clinical_notes": token, "csrfmiddlewaretoken": csrf}, doseq=True
        )
        path = f"/patients/{patient}/assessments/new/"
        started = time.monotonic()
        deadline = started + args.duration
        clients = [
            Client(args.port, path, cookie, csrf, body, deadline, results, lock)
            for _ in range(args.clients)
        ]
        for client in clients:
            client.start()
        time.sleep(args.restart_after)
        print(f"restarting PostgreSQL {version}/{cluster} under load ...", flush=True)
        restart_at = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
            check=True,
            timeout=120,
        )
        back_at = time.monotonic()
        print(f"PostgreSQL back after {back_at - restart_at:.1f} s", flush=True)
        for client in clients:
            client.join(timeout=args.duration + 60)
    finally:
        server.stop()

    outcomes: dict[str, int] = {}
    for _at, outcome, _detail in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    created = [detail for _at, outcome, detail in results if outcome == "created"]
    failures = [(at, o, d) for at, o, d in results if o != "created"]
    recovered = [at for at, o, _d in results if o == "created" and at > back_at]
    first_ok = min(recovered) - back_at if recovered else None
    raw = [d for _at, o, d in results if o == "error_raw"]
    checks = check_writes(env, token, created)
    audit = subprocess.run(
        [load.PY, "manage.py", "verify_audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )

    print()
    print(f"requests: {len(results)}; outcomes: {outcomes}")
    print(
        f"failures: {len(failures)}, between {min((a for a, _o, _d in failures), default=0) - started:.1f} s "
        f"and {max((a for a, _o, _d in failures), default=0) - started:.1f} s "
        f"(restart at {restart_at - started:.1f} s, back at {back_at - started:.1f} s)"
    )
    print(f"clean error pages: {outcomes.get('error_clean', 0)}; raw error pages: {len(raw)}")
    print(
        "recovered by itself: "
        + (f"yes, first success {first_ok:.2f} s after PostgreSQL was back" if recovered else "NO")
        + f" ({len(recovered)} successes after the restart)"
    )
    print(
        f"assessments stored with the run token: {checks['stored']}; successful responses: "
        f"{checks['answered']}; with snapshot {checks['snapshots']}, creation history row "
        f"{checks['history']}, access-log row {checks['access_log']}"
    )
    if checks["answered_not_stored"]:
        print(f"ANSWERED BUT NOT STORED: {checks['answered_not_stored']}")
    if checks["stored_not_answered"]:
        print(
            f"stored but the response was an error (committed, then the reply failed): "
            f"{checks['stored_not_answered']}"
        )
    whole = checks["stored"] == checks["snapshots"] == checks["history"] == checks["access_log"]
    print(f"no half-written assessment: {'yes' if whole else 'NO'}")
    print(f"verify_audit: {'passed' if audit.returncode == 0 else 'FAILED'}")
    if audit.returncode != 0:
        print(audit.stdout[-2000:], audit.stderr[-2000:])
    ok = whole and not raw and recovered and audit.returncode == 0
    ok = ok and not checks["answered_not_stored"]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
