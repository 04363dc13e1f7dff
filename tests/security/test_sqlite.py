"""The embedded SQLite database serves several users at once without "database is locked".

Every page that shows a patient appends a row to the hash-chained access log: a transaction
that reads the last row's hash, then writes. Under SQLite's default DEFERRED transactions a
second connection doing the same fails at once ("database is locked"); pht.settings begins
every transaction IMMEDIATE (writers queue for the lock) and uses WAL (readers go on while
one connection writes). The test suite's own database is in memory and one connection's, so
these tests run a real file database in a subprocess; bench/sqlite_concurrency.py measures the
same under gunicorn (docs/performance.md).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8
ROWS = 25

# Eight threads, each a connection of its own, append access-log rows as pages do: a read of
# the page's data, then the audited read's row (its chain read and insert in one transaction).
CONCURRENT_READS = f"""
import json, threading
from django.db import connection, connections
from pht import audit, chain
from pht.models import AccessLog, Clinic, User

clinic = Clinic.objects.create(name="Northside Physio")
user = User.objects.create(username="ada")
actor = audit.Actor(user, clinic)
errors = []
start = threading.Barrier({THREADS})

def pages():
    try:
        start.wait()
        for _ in range({ROWS}):
            AccessLog.objects.filter(clinic=clinic).exists()
            audit.log(actor, "view", object_type="patient")
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=pages) for _ in range({THREADS})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
rows, problems, _ = chain.verify(AccessLog)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
print(json.dumps({{"errors": errors, "rows": rows, "problems": problems, "journal_mode": mode,
                  "transaction_mode": connection.transaction_mode}}))
"""


def manage(*args, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_eight_connections_append_audited_reads_at_once_without_locking_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrated = manage("migrate", "--no-input", "-v0", database_url=url)
    assert migrated.returncode == 0, migrated.stderr

    result = manage("shell", "-c", CONCURRENT_READS, database_url=url)

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["rows"] == THREADS * ROWS
    assert outcome["problems"] == []  # every row linked to the one before it
    assert (outcome["journal_mode"], outcome["transaction_mode"]) == ("wal", "IMMEDIATE")


def test_postgresql_settings_are_left_as_they_were():
    show = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS'))"
    result = manage("shell", "-c", show, database_url="postgres://pht@127.0.0.1:1/pht")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] in ("None", "{}")
