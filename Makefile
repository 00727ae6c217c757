# The two commands: `make run` (the whole platform, demo data included) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint bench-rpc clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m deploy.local

# Lint, then the whole suite on SQLite, then the database-backed tests again on PostgreSQL.
test: install
	$(VENV)/bin/ruff check .
	TEST_DATABASE=sqlite $(PY) -m pytest
	TEST_DATABASE=postgresql $(PY) -m pytest -m "integration or e2e"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench-rpc: install
	$(PY) -m bench.rpc

clean:
	rm -rf var
