# OneWindow — `make run` starts everything on SQLite; `make test` runs every test.
# Needs only Python 3.11+ (uv is installed on first use) and, for the SPA, Node 20+.

SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else a private copy in .tools/ (installed by the `uv` target).
UV = $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

.DEFAULT_GOAL := help
.PHONY: help install web web-deps web-test e2e run test test-pg compose-test bench bench-gateway lint format migration clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F ':.*?## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	@command -v uv >/dev/null 2>&1 || { echo "uv not found: installing it into .tools/"; \
	  $(PYTHON) -m venv .tools && .tools/bin/pip install --quiet --disable-pip-version-check uv; }

install: .tools/bin/uv ## install the Python workspace (uv sync, locked)
	@$(UV) sync --frozen --all-packages --quiet

# The clerks' SPA (web/): Node 20+ builds it; without Node the gateway says so at / and the APIs still run.
NPM = $(shell command -v npm 2>/dev/null)

web/node_modules/.package-lock.json: web/package-lock.json
	@cd web && npm ci --no-audit --no-fund

web-deps: ## install the SPA's locked npm packages (npm ci when package-lock.json changed)
ifeq ($(NPM),)
	@echo "Node.js/npm not found: skipping the SPA (install Node 20+ to build the clerks' web app)"
else
	@$(MAKE) --no-print-directory web/node_modules/.package-lock.json
endif

web: web-deps ## build the SPA into web/dist (served by the gateway at /)
ifneq ($(NPM),)
	@cd web && npm run build
endif

web-test: web-deps ## the SPA's unit tests (Vitest) and its API types checked against the services
	@$(UV) run --frozen python scripts/test.py web

e2e: install web-deps ## the browser journeys (headless Chromium against the real stack)
	@$(UV) run --frozen python scripts/test.py tests/e2e

run: install web ## migrate, seed demo data and start every process on SQLite (Ctrl-C stops)
	@$(UV) run --frozen python deploy/stack.py run

test: install web-deps ## every test: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set; the SPA's unit and browser tests
	@$(UV) run --frozen python scripts/test.py $(SUITES)

test-pg: ## the same with the local PostgreSQL required (what CI runs)
	@TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} REQUIRE_POSTGRES=1 $(MAKE) test

compose-test: install ## the cross-service journeys against the docker compose stack (as root: installs/starts the engine)
	@$(UV) run --frozen python scripts/compose_test.py

bench: install ## issue 17's target table in one run beside its anchors (needs wrk, pgbench, PostgreSQL); writes bench/results/
	@$(UV) run --frozen python bench/run_all.py

bench-gateway: install ## gateway vs direct throughput (needs wrk); writes bench/results/
	@$(UV) run --frozen python bench/gateway_bench.py

lint: install web-deps ## ruff (format + lint), mypy, import boundaries, k8s schemas + deploy consistency, ESLint/Prettier/vue-tsc
	@$(UV) run --frozen ruff format --check --quiet .
	@$(UV) run --frozen ruff check --quiet .
	@$(UV) run --frozen mypy
	@$(UV) run --frozen kubernetes-validate --strict --quiet -k 1.30 deploy/k8s/*.yaml
	@$(UV) run --frozen python -m pytest tests/test_boundaries.py tests/test_deploy_consistency.py -q -p no:cacheprovider
ifneq ($(NPM),)
	@cd web && npm run --silent lint
endif

format: install web-deps ## apply ruff's and Prettier's formatting and the autofixable lint rules
	@$(UV) run --frozen ruff format --quiet .
	@$(UV) run --frozen ruff check --fix --quiet .
ifneq ($(NPM),)
	@cd web && npm run --silent format
endif

migration: install ## a new Alembic revision: make migration SERVICE=intake MESSAGE="add retention" [REV=0005_i15_retention]
	@test -n "$(SERVICE)" -a -n "$(MESSAGE)" || { echo 'usage: make migration SERVICE=<service> MESSAGE="what it does" [REV=<id>]'; exit 2; }
	@$(UV) run --frozen python scripts/migration.py "$(SERVICE)" "$(MESSAGE)" $(if $(REV),--rev "$(REV)")

clean: ## remove local databases, keys, logs (var/), the tool venv and the SPA's build
	rm -rf var .tools web/dist test-artifacts
