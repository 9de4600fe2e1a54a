# Portal da Rede de Parcerias — developer tasks. Only Python 3.11 is needed to start.
#
#   make run          create .venv, migrate, load the demo if the database is empty, serve
#                     (with the e-mail worker beside the server)
#   make test         the full suite (SQLite; browser tests need /usr/bin/chromium)
#   make test-pg      the full suite on PostgreSQL ($(PG_TEST_URI))
#   make test-browser only tests/browser (Playwright + Debian's Chromium)
#   make lint         ruff
#   make bench        the benchmarks in tests/perf
#   make load         the load test with no lost writes (locust, SQLite then PostgreSQL)
#   make clean        caches and test artifacts (keeps .venv and instance/)

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= rede-parcerias-demo
PG_TEST_URI ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PG_BENCH_URI ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
PYTEST_ARGS ?=
# pytest-xdist workers: every worker builds its own database (tests/conftest.py), so they
# never share tables, on SQLite or PostgreSQL. WORKERS=0 runs in one process.
WORKERS ?= 2

.PHONY: install .venv run test test-pg test-browser lint bench load clean

# The virtualenv, reinstalled whenever pyproject.toml changes.
install .venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -U pip
	$(BIN)/pip install -e ".[dev]"
	touch $@

# Outside debug mode the app needs its public address (PORTAL_PUBLIC_URL): the development one.
DEV_PUBLIC_URL := $${PORTAL_PUBLIC_URL:-http://$(HOST):$(PORT)}

run: $(STAMP)
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal db upgrade
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal demo --password '$(DEMO_PASSWORD)' --if-empty
	@echo "Portal em http://$(HOST):$(PORT)/ (Ctrl+C para parar); e-mails pelo portal worker"
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/portal run --debug --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

test-pg:
	PORTAL_TEST_DATABASE_URI='$(PG_TEST_URI)' $(MAKE) --no-print-directory test

test-browser: $(STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) tests/browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Benchmarks write their numbers to stdout; docs/benchmarks.md records them.
BENCH_INSTITUTIONS ?= 6000
BENCH_SCALE ?= 1
bench: $(STAMP)
	$(BIN)/python -m tests.perf.bench_plans --institutions $(BENCH_INSTITUTIONS)
	$(BIN)/python -m tests.perf.bench_plans --institutions $(BENCH_INSTITUTIONS) --database '$(PG_BENCH_URI)'
	$(BIN)/python -m tests.perf.bench_upload --mb 200
	$(BIN)/pip install -q -e ".[perf]"
	$(BIN)/python -m tests.perf.bench_pages --scale $(BENCH_SCALE)
	$(BIN)/python -m tests.perf.bench_pages --scale $(BENCH_SCALE) --database '$(PG_BENCH_URI)'

# 3 minutes, 50 locust users, gunicorn with 4 workers; then every acknowledged write is checked.
LOAD_TIME ?= 3m
load: $(STAMP)
	$(BIN)/pip install -q -e ".[perf]"
	$(BIN)/python -m tests.perf.load_run --time $(LOAD_TIME)
	$(BIN)/python -m tests.perf.load_run --time $(LOAD_TIME) --database '$(PG_BENCH_URI)'

clean:
	rm -rf test-artifacts build dist .pytest_cache .ruff_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
