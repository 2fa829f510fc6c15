# File Uploader — `make run` starts the whole service locally, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt
# `make run` installs the services and nats-server only; the test tools come with the first `make test`.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# The tests run on TEST_WORKERS pytest-xdist workers: most of their time is spent waiting on processes.
# --dist loadfile: a module's tests run on one worker, so a stack a module shares is started once.
TEST_WORKERS ?= 4
PARALLEL := -n $(TEST_WORKERS) --dist loadfile
RUN_INPUTS := requirements/constraints.txt requirements/run.txt protos/pyproject.toml libs/pyproject.toml \
	services/auth/pyproject.toml services/files/pyproject.toml services/gateway/pyproject.toml

.PHONY: install install-dev run lint fix test test-unit test-integration test-e2e test-faults conformance loadtest \
	loadtest-short protos protos-check bench reconcile migrate admin clean

install: $(RUN_STAMP)

install-dev: $(DEV_STAMP)

$(RUN_STAMP): $(RUN_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e protos -e libs -e services/auth -e services/files -e 'services/gateway[redis]' -r requirements/run.txt
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements/dev.txt
	$(PIP_INSTALL) -r requirements/dev.txt
	touch $(DEV_STAMP)

run: install
	$(PY) scripts/run_local.py

# The checks .ci/run makes before the tests (and .pre-commit-config.yaml on each commit): lint rules,
# formatting, types, and the layer contracts once .importlinter or [tool.importlinter] states them.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The mechanical half of `make lint`'s findings: import order, pyupgrade and the like, then formatting.
fix: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install-dev
	$(PY) protos/generate.py --check
	$(PY) -m pytest $(PARALLEL)

test-unit: install-dev
	$(PY) -m pytest $(PARALLEL) services/*/tests/unit tests/loadgen

test-integration: install-dev
	$(PY) -m pytest $(PARALLEL) services/*/tests/integration

test-e2e: install-dev
	$(PY) -m pytest $(PARALLEL) tests/e2e

# Faults on purpose: services killed, NATS and PostgreSQL stopped, a full disk
# (docs/operations.md, "Failure behaviour").
test-faults: install-dev
	$(PY) -m pytest $(PARALLEL) tests/faults

# The black-box suite of ../shared/conformance against a gateway started with default settings.
conformance: install-dev
	$(PY) scripts/run_conformance.py

# The load test (scripts/loadtest.py; docs/testing.md: "Load test"): 32 clients, 1000 uploads of 1 KB-20 MB on a
# fresh stack of its own. Options through LOADTEST_ARGS, e.g. LOADTEST_ARGS="--database-url postgresql://...".
loadtest: install-dev
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

# Its short version, as `make test` (and CI) runs it: 8 clients, 100 uploads of 1 KB-2 MB, SQLite and PostgreSQL.
loadtest-short: install-dev
	$(PY) -m pytest tests/e2e/test_load.py

protos: install-dev
	$(PY) protos/generate.py

protos-check: install-dev
	$(PY) protos/generate.py --check

# Ours beside the reference monolith and nginx (docs/benchmarks.md); ~10 minutes. Options through
# BENCH_ARGS, e.g. BENCH_ARGS=--quick (~2 minutes) or BENCH_ARGS="--targets ours,nginx".
bench: install-dev
	PYTHONPATH=scripts $(PY) -m bench $(BENCH_ARGS)

# files' then auth's reconcile command against the `make run` stack: make reconcile ARGS="--repair"
reconcile: install
	$(PY) scripts/reconcile.py $(ARGS)

# files' and auth's schema brought to the newest revision (as each start does), with `make run`'s settings.
migrate: install
	$(PY) scripts/migrate.py

# An operator's command against the `make run` stack: make admin ARGS="files show <file_url>",
# ARGS="files block <sha256>", ARGS="auth disable <username>" (docs/operations.md, "Operators").
admin: install
	$(PY) scripts/admin.py $(ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
