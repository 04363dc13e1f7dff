"""Load benchmark: the app under gunicorn, loaded with wrk from loopback. Prints figures.

Run: ``make bench`` (or ``DATABASE_URL=postgres://... .venv/bin/python bench/load.py``).
Never run by the tests. What it does, each step bounded in time:

1. seeds if needed (``seed_scale --patients N``, which runs ``seed_demo`` first if needed: 100,000 x 3 by
   default) on the ``DATABASE_URL`` database, after ``migrate`` and ``collectstatic``. The
   100,000 target needs PostgreSQL; the embedded SQLite is accepted only for small runs
   (``--patients 5000`` or fewer);
2. serves the app with gunicorn (2 sync workers) on 127.0.0.1 with production settings over
   plain HTTP: ``DEBUG=0``, a generated ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``, the
   HTTPS-only settings off, no access log (patient names travel in search query strings);
3. logs in by POSTing the login form with its CSRF token: a superuser (created or reset
   here, random password) for the admin, the demo clinician ``physio`` for the app;
4. runs wrk (8 connections, 2 threads, 20 s each by default, ``bench/wrk.lua`` sends the
   cookie) against: the bare login page (the ceiling), the admin changelist search, our
   patient search (a name fragment; the benchmark patient's "Family, Given", date of birth
   and phone), the patient list (by name, identifier and last seen), a patient record, an
   assessment page, the live panel (POST) and the dashboard; prints req/s, p50 and p99 and
   the ratio to the admin search;
5. streams the clinic CSV export (as ``clinicadmin``) and prints rows/s and the gunicorn
   worker's resident memory before, at peak and after.

``--failover`` runs bench/failover.py's scenario instead (restarts PostgreSQL under load).
Every process started here is stopped at the end (its process group is killed).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
HOST = "127.0.0.1"
SQLITE_MAX_PATIENTS = 5000
SEARCH_TERM = "harri"  # Harris, Harrison, Harriet: about 1.5% of the patients
DEMO_PASSWORD = "pht-demo-2026"
PANEL_FORM = {
    "assessed_on": "2026-11-20",
    "side": "left",
    "onset": "gradual",
    "duration_weeks": "10",
    "recent_training_load_change": "yes",
    "previous_episodes": "no",
    "pain_location": ["ischial_tuberosity", "deep_buttock"],
    "pain_nprs_now": "3",
    "pain_nprs_worst": "6",
    "pain_with_sitting": "yes",
    "sitting_tolerance_min": "25",
    "night_pain": "no",
    "pain_worse_after_activity": "yes",
    "fever": "no",
    "saddle_anaesthesia": "no",
    "puranen_orava": "positive",
    "puranen_orava_pain": "5",
    "bent_knee_stretch": "negative",
    "modified_bent_knee_stretch": "positive",
    "modified_bent_knee_stretch_pain": "6",
    "tenderness_ischial_tuberosity": "yes",
    "slr_positive": "no",
}


def server_env(database_url: str) -> dict[str, str]:
    """Production settings over plain HTTP on loopback, with a fresh secret key."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        # Passkeys need a host name (WebAuthn refuses an IP address); none are used here.
        WEBAUTHN_RP_ID="localhost",
        WEBAUTHN_ALLOWED_ORIGINS="http://localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_PRELOAD="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="pht.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(env, *args, timeout: float = 1800) -> None:
    print(f"$ manage.py {' '.join(args)}", flush=True)
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=timeout)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing; installing it with apt-get (running as root) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=600)
        found = shutil.which("wrk")
    if not found:
        sys.exit("bench/load.py needs wrk: install it (Debian/Ubuntu: sudo apt-get install wrk).")
    return found


class Server:
    """gunicorn in its own process group, stopped (the whole group) by stop()."""

    def __init__(self, env, port: int, log: Path):
        self.port, self.log = port, log
        self.proc = subprocess.Popen(
            [
                str(Path(PY).with_name("gunicorn")),
                "pht.wsgi:application",
                "--workers=2",
                "--worker-class=sync",
                f"--bind={HOST}:{port}",
                # The CSV export of 300,000 rows streams for longer than the default 30 s.
                "--timeout=120",
                "--graceful-timeout=5",
                f"--error-logfile={log}",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                status, _ = get(self.port, "/accounts/login/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def get(port: int, path: str, cookie: str = "", timeout: float = 30) -> tuple[int, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def set_cookies(response: http.client.HTTPResponse) -> list[str]:
    """The cookies an answer set, ``name=value`` each (attributes dropped)."""
    return [
        value.split(";", 1)[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    ]


def post_form(port: int, path: str, fields: dict, cookie: str) -> tuple[int, list[str]]:
    """POST ``fields`` as a form with the ``cookie`` header; the status and the cookies the
    answer set (``name=value`` each)."""
    body = urllib.parse.urlencode(fields)
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        return response.status, set_cookies(response)
    finally:
        conn.close()


def login(port: int, username: str, password: str, next_path: str = "/") -> tuple[str, str]:
    """Log in through the form; returns (Cookie header value, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://{HOST}:{port}"
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": next_path,
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request, timeout=30).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"Logging in as {username} failed (no session cookie).")
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), cookies["csrftoken"]


def run_wrk(wrk, port, path, *, cookie="", body="", csrf="", args) -> dict:
    env = dict(os.environ, PHT_COOKIE=cookie, PHT_BODY=body, PHT_CSRF=csrf)
    command = [
        wrk,
        f"-c{args.connections}",
        f"-t{args.threads}",
        f"-d{args.duration}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'wrk.lua'}",
        f"http://{HOST}:{port}{path}",
    ]
    out = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=args.duration + 60, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("PHT_RESULT"))
    values = dict(item.split("=") for item in line.split()[1:])
    requests = int(values["requests"])
    seconds = int(values["duration_us"]) / 1e6
    return {
        "rps": requests / seconds,
        "p50": int(values["p50_us"]) / 1000,
        "p99": int(values["p99_us"]) / 1000,
        "errors": int(values["non2xx"]) + int(values["socket_errors"]),
        "requests": requests,
    }


def bench_csv(server: Server, cookie: str) -> dict:
    """Stream the clinic CSV; rows/s and the serving worker's memory (max over workers)."""
    workers = server.worker_pids()
    before = {pid: rss_mb(pid) for pid in workers}
    peak = dict(before)
    conn = http.client.HTTPConnection(HOST, server.port, timeout=300)
    rows = size = 0
    started = time.perf_counter()
    conn.request("GET", "/exports/assessments.csv", headers={"Cookie": cookie})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"CSV export answered {response.status}")
    last_sample = 0.0
    while chunk := response.read(1 << 16):
        rows += chunk.count(b"\n")
        size += len(chunk)
        now = time.perf_counter()
        if now - last_sample > 0.2:
            last_sample = now
            for pid in workers:
                peak[pid] = max(peak[pid], rss_mb(pid))
        if now - started > 280:
            raise SystemExit("CSV export took longer than 280 s; stopped.")
    elapsed = time.perf_counter() - started
    conn.close()
    after = {pid: rss_mb(pid) for pid in workers}
    busiest = max(workers, key=lambda pid: peak[pid] - before[pid])
    return {
        "rows": rows - 1,
        "mb": size / 1e6,
        "seconds": elapsed,
        "rps": (rows - 1) / elapsed,
        "rss_before": before[busiest],
        "rss_peak": peak[busiest],
        "rss_after": after[busiest],
    }


def targets(env) -> dict:
    """A scale patient with assessments, one of its assessments, and the superuser login."""
    code = (
        "import secrets\n"
        "from assessments.models import Assessment\n"
        "from pht.models import User\n"
        "a = Assessment.objects.filter(patient__identifier='SC-0000500').first() or "
        "Assessment.objects.filter(clinic__name='Demo Physio Clinic').order_by('-created_at')"
        ".first()\n"
        "u, _ = User.objects.get_or_create(username='benchadmin')\n"
        "p = secrets.token_urlsafe(16)\n"
        "u.is_staff = u.is_superuser = True\n"
        "u.set_password(p)\n"
        "u.save()\n"
        "t = a.patient\n"
        "print(json.dumps({'patient': str(t.pk), 'assessment': str(a.pk), 'admin_password': p,"
        " 'name': f'{t.family_name}, {t.given_name}', 'born': f'{t.date_of_birth:%d/%m/%Y}',"
        " 'phone': t.phone}))\n"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", "import json\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.splitlines()
    return json.loads(out[-1])


def page_list(found: dict, csrf: str) -> list[tuple[str, str, str, str]]:
    """(name, path, who, POST body) of every page the bench loads; who is "admin", "app" or ""."""
    body = urllib.parse.urlencode({**PANEL_FORM, "csrfmiddlewaretoken": csrf}, doseq=True)
    patient, assessment = found["patient"], found["assessment"]
    quote = urllib.parse.quote_plus
    return [
        ("login page (ceiling)", "/accounts/login/", "", ""),
        ("admin changelist search", f"/admin/assessments/patient/?q={SEARCH_TERM}", "admin", ""),
        ("patient search", f"/patients/?q={SEARCH_TERM}", "app", ""),
        ("search Family, Given", f"/patients/?q={quote(found['name'])}", "app", ""),
        ("search date of birth", f"/patients/?q={quote(found['born'])}", "app", ""),
        ("search phone", f"/patients/?q={quote(found['phone'] or '07700')}", "app", ""),
        ("patient list", "/patients/", "app", ""),
        ("list by identifier", "/patients/?sort=identifier", "app", ""),
        ("list by last seen", "/patients/?sort=-last_seen", "app", ""),
        ("patient record", f"/patients/{patient}/", "app", ""),
        ("assessment page", f"/assessments/{assessment}/", "app", ""),
        ("live panel (POST)", f"/patients/{patient}/assessments/panel/", "app", body),
        ("dashboard", "/", "app", ""),
    ]


def run_pages(wrk, port: int, pages, cookies: dict, csrf: str, args) -> dict:
    """wrk on each page in turn (after one GET that must answer 200 while logged in)."""
    only = {name.strip() for name in getattr(args, "only", "").split(",") if name.strip()}
    results = {}
    for name, path, who, post in pages:
        if only and not any(word in name for word in only) and "admin" not in name:
            continue
        page_cookie = cookies.get(who, "")
        if not post:
            status, text = get(port, path, page_cookie)
            if status != 200 or 'name="password"' in text and who:
                raise SystemExit(f"{name}: {path} answered {status} (not logged in?)")
        print(f"wrk {args.duration} s: {name} ...", flush=True)
        results[name] = run_wrk(
            wrk, port, path, cookie=page_cookie, body=post, csrf=csrf, args=args
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--assessments-per-patient", type=int, default=3)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--skip-seed", action="store_true", help="use the data as it is")
    parser.add_argument("--no-csv", action="store_true", help="skip the CSV export run")
    parser.add_argument("--only", default="", help="comma-separated page names to run")
    parser.add_argument(
        "--failover", action="store_true", help="restart PostgreSQL under load (bench/failover.py)"
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 300 or not 1 <= args.connections <= 64:
        sys.exit("--duration must be 1..300 s and --connections 1..64.")

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        if args.failover:
            sys.exit("--failover restarts PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        if args.patients > SQLITE_MAX_PATIENTS:
            sys.exit(
                f"The {args.patients:,}-patient benchmark needs PostgreSQL: set DATABASE_URL "
                "(e.g. createdb -h 127.0.0.1 -U postgres pht_bench; "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/pht_bench make bench). "
                f"The embedded SQLite is accepted for small runs: --patients {SQLITE_MAX_PATIENTS} "
                "or fewer."
            )
    if args.failover:
        os.execv(PY, [PY, str(ROOT / "bench" / "failover.py"), f"--port={args.port}"])

    wrk = ensure_wrk()
    env = server_env(database_url)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    if not args.skip_seed:
        # seed_scale runs seed_demo when the demo clinic is missing. Not re-run here: at
        # 300,000 assessments seed_demo's rehab step reads every signed assessment.
        manage(
            env,
            "seed_scale",
            f"--patients={args.patients}",
            f"--assessments-per-patient={args.assessments_per_patient}",
        )
    found = targets(env)
    with socket.socket() as probe:
        if probe.connect_ex((HOST, args.port)) == 0:
            sys.exit(f"Port {args.port} is in use on {HOST}: choose another with --port.")
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"pht-bench-gunicorn-{os.getpid()}.log"
    server = Server(env, args.port, log)
    try:
        server.wait_ready()
        cookies = {
            "admin": login(args.port, "benchadmin", found["admin_password"], "/admin/")[0],
        }
        cookies["app"], csrf = login(args.port, "physio", DEMO_PASSWORD)
        results = run_pages(wrk, args.port, page_list(found, csrf), cookies, csrf, args)
        csv = (
            None
            if args.no_csv
            else bench_csv(server, login(args.port, "clinicadmin", DEMO_PASSWORD)[0])
        )
    finally:
        server.stop()

    yardstick = results["admin changelist search"]["rps"]
    print()
    print(
        f"{args.connections} connections, {args.threads} wrk threads, {args.duration} s per page; "
        f"gunicorn 2 sync workers; {os.cpu_count()} CPUs; database "
        f"{'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'}"
    )
    print(f"{'page':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'x admin':>8}")
    for name, r in results.items():
        print(
            f"{name:<26} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7} "
            f"{r['rps'] / yardstick:>8.2f}"
        )
    if csv:
        print(
            f"CSV export: {csv['rows']:,} rows, {csv['mb']:.0f} MB in {csv['seconds']:.1f} s = "
            f"{csv['rps']:,.0f} rows/s; worker RSS {csv['rss_before']:.0f} MB before, "
            f"{csv['rss_peak']:.0f} MB peak, {csv['rss_after']:.0f} MB after"
        )


if __name__ == "__main__":
    main()
