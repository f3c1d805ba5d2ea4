# Espresso — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= espresso.settings.dev

.PHONY: run test test-sqlite test-postgres lint bench load mutate mutate-sqlite install install-dev system-deps messages demo migrate clean

# uv installs the same pinned ranges as pip in a fraction of the time (it took a fresh `make
# test` from ~1-4 min of installing to ~20 s); plain pip is the fallback wherever uv cannot be
# installed or fails.
define install_project
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	( $(PIP) install -q uv && $(VENV)/bin/uv pip install -q --python $(PY) -e "$(1)" ) \
	  || ( $(PIP) install -q --upgrade pip && $(PIP) install -q -e "$(1)" )
endef

$(VENV)/.installed: pyproject.toml
	$(call install_project,.)
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(call install_project,.[dev])
	touch $(VENV)/.installed $@

install: system-deps $(VENV)/.installed
install-dev: system-deps $(VENV)/.installed-dev

## Debian packages: WeasyPrint's Pango, gettext, poppler (PDF checks), Chromium (browser tests)
system-deps:
	@bash scripts/system_deps.sh

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages -v 0 --ignore=.venv

migrate: install messages
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## Create .venv, install, migrate, load the demo network and serve on http://127.0.0.1:8000
run: demo
	SITE_URL=$${SITE_URL:-http://127.0.0.1:8000} $(PY) manage.py runserver 127.0.0.1:8000

# Whether `make test` has a PostgreSQL pass (scripts/with_postgres.sh: server binaries found, or
# CI=true, which requires them): `strictest_db` tests then run in that pass only.
PGBIN ?= /usr/lib/postgresql/15/bin
POSTGRES_PASS := $(if $(or $(filter true,$(CI)),$(wildcard $(PGBIN)/initdb)),1)

## Install dev dependencies, run ruff and the whole suite on SQLite and on a throwaway PostgreSQL
test: install-dev messages
	$(VENV)/bin/ruff check .
	ESPRESSO_POSTGRES_PASS_FOLLOWS=$(POSTGRES_PASS) $(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	DJANGO_SETTINGS_MODULE=espresso.settings.test $(VENV)/bin/pytest -q -n 2 $(PYTEST_ARGS)

# Real-browser tests exercise templates and JavaScript, and `db_independent` tests never
# touch the database: they run in the SQLite pass only, which keeps `make test` short.
test-postgres:
	@bash scripts/with_postgres.sh $(VENV)/bin/pytest -q -n 2 -m "not browser and not db_independent" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

## Benchmarks (numbers, not assertions)
bench: install-dev
	@bash scripts/with_postgres.sh $(PY) bench/run.py

## 60 s of mixed anonymous and signed-in traffic, 50 connections, loopback only (needs wrk)
load: install-dev
	@bash scripts/with_postgres.sh $(PY) bench/load.py

## Mutation testing of the services that hold the invariants (slow; not part of `make test`):
## `make mutate [MODULES="events/payments.py ..."]`, see docs/mutation.md
mutate: install-dev messages
	@bash scripts/with_postgres.sh $(PY) scripts/mutation/run.py $(MODULES)

# Without PostgreSQL: the row-lock and transaction mutants survive here (their tests need it).
mutate-sqlite: install-dev messages
	env -u DATABASE_URL $(PY) scripts/mutation/run.py $(MODULES)

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles mutants
