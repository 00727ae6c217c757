# The two commands: `make run` (the whole platform, demo data included) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run test audit lint bench-rpc bench-search bench-signing bench-pages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# The DSFR (and the communes' data of the offline address suggestions) from npm, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

install: $(VENV)/.installed node_modules/.installed

run: install
	$(PY) -m deploy.local

# Lint, then at once the whole suite on SQLite and the database-backed tests on PostgreSQL
# (the browser journeys drive the same routes as the HTTP journeys: once is enough).
test: install
	$(VENV)/bin/ruff check .
	$(PY) -m deploy.audit
	$(PY) -m tests.both_databases

# Known vulnerabilities of the installed Python packages (pip-audit) and of the front-end ones
# (npm audit --omit=dev): fails on any not justified in deploy/audit-exceptions.toml, only warns
# when a vulnerability service is out of reach.
audit: install
	$(PY) -m deploy.audit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench-rpc: install
	$(PY) -m bench.rpc

# Needs ../shared/data; the PostGIS baseline needs PostgreSQL with PostGIS on 127.0.0.1:5432.
bench-search: install
	$(PY) -m bench.search

bench-signing: install
	$(PY) -m bench.signing

# Every page's time (p95 ≤ 50 ms) and own JavaScript (≤ 30 KB), logged in as the demo employer.
bench-pages: install
	$(PY) -m bench.pages

clean:
	rm -rf var
