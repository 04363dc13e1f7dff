#!/usr/bin/env bash
# `make run`: the development server and, beside it, the background worker (Django's tasks on
# django-tasks-db: the patient import). The worker runs in the background and is stopped with
# the server (Ctrl-C, or the server exiting); a worker stopped half-way through an import is
# resumed by the next one (`manage.py run_worker` queues unfinished imports again on start).
# Usage: scripts/run-with-worker.sh PYTHON ADDRESS:PORT
set -euo pipefail
py="$1"
address="$2"

"$py" manage.py run_worker &
worker=$!
stop_worker() {
	if kill -0 "$worker" 2>/dev/null; then
		kill -TERM "$worker" 2>/dev/null || true
		wait "$worker" 2>/dev/null || true
	fi
}
trap stop_worker EXIT INT TERM

"$py" manage.py runserver "$address"
