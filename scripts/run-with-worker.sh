#!/usr/bin/env bash
# `make run`: the development server and, beside it, the background worker (Django's tasks on
# django-tasks-db: the patient import), both stopped together (Ctrl-C, a TERM, or the server
# exiting). A worker stopped half-way through an import is given 5 seconds to finish its chunk,
# then killed: the next `manage.py run_worker` resumes the import where it stopped.
# Usage: scripts/run-with-worker.sh PYTHON ADDRESS:PORT
set -uo pipefail
set -m # each background job in its own process group, stopped as a whole below
py="$1"
address="$2"

"$py" manage.py run_worker &
worker=$!
"$py" manage.py runserver "$address" &
server=$!

stop() {
	trap - EXIT INT TERM
	kill -TERM -- "-$server" "-$worker" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$worker" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$worker" 2>/dev/null
	wait 2>/dev/null
	exit 0
}
trap stop EXIT INT TERM

wait "$server"
