# Portal da Rede de Parcerias — developer tasks. Only Python 3.11 is needed to start.
#
#   make run          create .venv, migrate, load the demo if the database is empty, serve
#                     (with the e-mail worker beside the server); GOVBR_DEV=1 also starts the
#                     local gov.br provider (tests/oidc_provider, needs node/npm) with the demo's
#                     identities and points "Entrar com gov.br" at it
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
# Compiled bytecode is kept (some machines set PYTHONDONTWRITEBYTECODE): without it every test
# worker and every `portal` subprocess a test starts recompiles the code, and pytest rewrites
# the assertions of every test module again (~5 s a worker).
unexport PYTHONDONTWRITEBYTECODE
# pytest-xdist workers: every worker builds its own database (tests/conftest.py), so they
# never share tables, on SQLite or PostgreSQL. WORKERS=0 runs in one process.
WORKERS ?= 2

# The local OpenID provider the gov.br tests run against (Node's oidc-provider, pinned by
# tests/oidc_provider/package-lock.json; node_modules is git-ignored).
PROVIDER_DIR := tests/oidc_provider
PROVIDER_STAMP := $(PROVIDER_DIR)/node_modules/.package-lock.json
GOVBR_DEV ?=
GOVBR_PORT ?= 9000

.PHONY: install .venv run test test-pg test-browser lint bench load clean provider

# The virtualenv, reinstalled whenever pyproject.toml changes.
install .venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -U pip
	$(BIN)/pip install -e ".[dev]"
	touch $@

provider: $(PROVIDER_STAMP)

# Without npm the gov.br tests are skipped (they fail when CI=true; .ci/run installs it).
$(PROVIDER_STAMP): $(PROVIDER_DIR)/package-lock.json $(PROVIDER_DIR)/package.json
	@if command -v npm >/dev/null; then \
	  echo "cd $(PROVIDER_DIR) && npm ci"; \
	  cd $(PROVIDER_DIR) && npm ci --no-audit --no-fund && touch node_modules/.package-lock.json; \
	else \
	  echo "npm not found: the gov.br tests will be skipped (apt-get install -y nodejs npm)"; \
	fi

# Outside debug mode the app needs its public address (PORTAL_PUBLIC_URL): the development one.
DEV_PUBLIC_URL := $${PORTAL_PUBLIC_URL:-http://$(HOST):$(PORT)}

# GOVBR_DEV=1: the provider's settings, as the portal reads them (tests/govbr_provider.py).
GOVBR_DEV_ENV := PORTAL_GOVBR_ISSUER=http://127.0.0.1:$(GOVBR_PORT) \
	PORTAL_GOVBR_CLIENT_ID=portal-rede-parcerias PORTAL_GOVBR_CLIENT_SECRET=segredo-do-portal-de-teste \
	PORTAL_GOVBR_LEVELS_URL='http://127.0.0.1:$(GOVBR_PORT)/confiabilidades/v3/contas/{cpf}/niveis?response-type=ids'

run: $(STAMP) $(if $(GOVBR_DEV),$(PROVIDER_STAMP))
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal db upgrade
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal demo --password '$(DEMO_PASSWORD)' --if-empty
	@echo "Portal em http://$(HOST):$(PORT)/ (Ctrl+C para parar); e-mails pelo portal worker"
	PORTAL_PUBLIC_URL="$(DEV_PUBLIC_URL)" $(BIN)/portal worker & worker=$$!; \
	provider=; \
	if [ -n "$(GOVBR_DEV)" ]; then \
	  $(BIN)/python -m tests.govbr_provider --demo --port $(GOVBR_PORT) \
	    --portal "http://$(HOST):$(PORT)" & provider=$$!; \
	fi; \
	trap 'kill $$worker $$provider 2>/dev/null' EXIT INT TERM; \
	$(if $(GOVBR_DEV),$(GOVBR_DEV_ENV)) $(BIN)/portal run --debug --host $(HOST) --port $(PORT)

test: $(STAMP) $(PROVIDER_STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

test-pg:
	PORTAL_TEST_DATABASE_URI='$(PG_TEST_URI)' $(MAKE) --no-print-directory test

test-browser: $(STAMP) $(PROVIDER_STAMP)
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
