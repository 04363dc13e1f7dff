# PHT Clinic: `make run` serves the demo, `make test` runs every check. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

# A Python >= 3.12: pyenv's interpreter for .python-version when pyenv is present,
# else python3.13, python3.12, python3 from PATH (pyenv shims that point nowhere fail the probe).
FIND_PYTHON := for c in "$$(command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null)" \
	"$$(command -v python3.13)" "$$(command -v python3.12)" "$$(command -v python3)"; do \
	[ -n "$$c" ] && "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 \
	&& { echo "$$c"; break; }; done

.PHONY: help run serve test check typecheck fmt bench cluster-bench pgbouncer-test validate docs clean

help:
	@echo "make run    create .venv, migrate the SQLite database, load demo data, serve on 127.0.0.1:$(PORT) (with the task worker)"
	@echo "make serve  production mode: static files collected, migrations applied, gunicorn and the task worker (needs SECRET_KEY, ALLOWED_HOSTS: .env.example)"
	@echo "make test   lint, format check, type check, missing-migrations check and the test suite"
	@echo "make check  lint, format check, type check and missing-migrations check only"
	@echo "make typecheck  mypy: strict on the rules core (pht/rules), checked on the services"
	@echo "make fmt    format and auto-fix lint"
	@echo "make cluster-bench  HAProxy + 2 app servers + PgBouncer + PostgreSQL primary and standby + Redis on loopback: figures and checks"
	@echo "make validate  run the published-case validation set through the rules and print the figures"
	@echo "make docs   regenerate the rules' reference tables in docs/ from the code"

$(PY):
	@py="$$($(FIND_PYTHON))"; \
	if [ -z "$$py" ]; then \
		echo "PHT Clinic needs Python 3.12 or newer (3.13 is named in .python-version)." >&2; \
		echo "None was found: install one (e.g. 'pyenv install 3.13', or your system's python3.13 package) and run make again." >&2; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py ($$("$$py" --version))"; \
	"$$py" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(PY) requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py seed_demo
	@echo
	@echo "PHT Clinic is starting on http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	@echo "with its background worker (patient imports), stopped with it"
	@echo
	DEBUG=1 scripts/run-with-worker.sh $(PY) 127.0.0.1:$(PORT)

# Production mode on this machine (scripts/serve.sh): reads .env, refuses a missing or weak
# SECRET_KEY, collects and compresses the static files, migrates, runs gunicorn
# (WEB_CONCURRENCY, BIND) and the task worker, stopped together.
serve: $(VENV)/.installed-run
	scripts/serve.sh $(PY)

check: $(VENV)/.installed-dev typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# The pure rules core is type-checked in strict mode (configured in pyproject.toml).
typecheck: $(VENV)/.installed-dev
	DEBUG=1 $(VENV)/bin/mypy

# SQLite unless DATABASE_URL is set (CI sets it to PostgreSQL). The browser journeys
# (tests/e2e) run whenever Debian's Chromium is installed; -rs lists skips with their reason.
CHROMIUM := /usr/bin/chromium
test: check
	@if [ -n "$$DATABASE_URL" ]; then echo "Database: $${DATABASE_URL%%://*} (DATABASE_URL)"; else echo "Database: embedded SQLite"; fi
	@if [ -x $(CHROMIUM) ]; then echo "Browser journeys: $(CHROMIUM)"; \
	else echo "Browser journeys skipped: $(CHROMIUM) not found (CI installs it)"; fi
	DEBUG=1 $(PY) -m pytest -rs $(PYTEST_ARGS)

# Load benchmark (bench/load.py): seeds, serves with gunicorn, loads with wrk, prints req/s,
# p50, p99 and the CSV export rate. The 100,000-patient default needs DATABASE_URL (PostgreSQL);
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--patients 2000" for a small SQLite run.
bench: $(VENV)/.installed-run
	$(PY) bench/load.py $(BENCH_ARGS)

# Several machines' worth on loopback (bench/cluster.py, docs/deployment.md): HAProxy, two
# gunicorn app servers, PgBouncer (transaction mode), a PostgreSQL primary and a streaming
# standby, Redis; the load bench single-server vs cluster, shared sessions and lockouts, an app
# server and then the standby killed under load, verify_audit. Installs Debian's pgbouncer,
# haproxy, wrk, redis-server when missing (as root). Non-zero exit when a check fails.
cluster-bench: $(VENV)/.installed-run
	$(PY) bench/cluster.py $(CLUSTER_ARGS)

# The whole test suite through PgBouncer in transaction mode (a throw-away PostgreSQL).
pgbouncer-test: $(VENV)/.installed-dev
	$(PY) bench/cluster.py --suite -- $(PYTEST_ARGS)

# The published-case validation set (tests/rules/validation/) through python -m pht.rules:
# top-1, top-5, red-flag sensitivity per urgency, false urgent alarms, hazardous suggestions,
# stage agreement and a confusion table. Figures per RULES_VERSION go in docs/validation.md.
validate: $(VENV)/.installed-run
	$(PY) scripts/validate.py $(VALIDATE_ARGS)

# The generated tables of docs/rules.md, docs/findings.md and docs/sources.md.
docs: $(VENV)/.installed-run
	$(PY) scripts/rules_docs.py

fmt: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles
