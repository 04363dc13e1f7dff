#!/usr/bin/env bash
# `make serve`: PHT Clinic in production mode on this machine. Reads .env when present (the
# variables in .env.example; the environment wins over the file), then: refuses to start
# without a strong SECRET_KEY (pht/settings.py says why), collects and compresses the static
# files (WhiteNoise serves them, hashed and cached), applies the migrations, and runs gunicorn
# (WEB_CONCURRENCY workers, default 2, on BIND, default 127.0.0.1:8000) with the task worker
# (manage.py run_worker) beside it; both stop together (Ctrl-C, TERM, or gunicorn exiting).
# Usage: scripts/serve.sh PYTHON
set -uo pipefail
set -m # each background job in its own process group, stopped as a whole below
cd "$(dirname "$0")/.."
py="$1"

if [ -f .env ]; then
	# Keep what the environment already sets: it wins over the file.
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in '' | '#'*) continue ;; esac
		name="${line%%=*}"
		[ -n "${!name+set}" ] || export "$line"
	done <.env
fi
export DEBUG="${DEBUG:-0}"

"$py" manage.py check --deploy --fail-level ERROR >/dev/null || exit 1
"$py" manage.py collectstatic --no-input --verbosity 0 || exit 1
"$py" manage.py migrate --no-input --verbosity 1 || exit 1

bind="${BIND:-127.0.0.1:8000}"
echo "PHT Clinic (production settings) on http://$bind/ with ${WEB_CONCURRENCY:-2} workers and the task worker; stop with Ctrl-C"
"$py" manage.py run_worker &
worker=$!
"$(dirname "$py")/gunicorn" pht.wsgi --workers "${WEB_CONCURRENCY:-2}" --bind "$bind" \
	--access-logfile - --graceful-timeout 10 &
server=$!

stop() {
	trap - EXIT INT TERM
	kill -TERM -- "-$server" "-$worker" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$worker" 2>/dev/null || kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$server" "-$worker" 2>/dev/null
	wait 2>/dev/null
	exit 0
}
trap stop EXIT INT TERM

wait "$server"
