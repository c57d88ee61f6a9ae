# Tasks for working on mltip. `make fast` is the inner loop; `make check` is what CI runs after the tests.
# Everything runs from the project's own virtual environment, created on first use.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help fast test test-pg lint format types check bench wheel ci clean

help:  ## list the tasks
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(PYTHON): pyproject.toml setup.py
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -e '.[test]'
	@touch $(PYTHON)

fast: $(PYTHON)  ## the fast lane: every test but the process-level ones
	$(PYTHON) -m pytest -q -m "not process"

test: $(PYTHON)  ## the whole suite on SQLite (and PostgreSQL when MLTIP_TEST_DATABASE_URL is set)
	$(PYTHON) -m pytest -q

test-pg: $(PYTHON)  ## the whole suite on SQLite and the local PostgreSQL (PG_URL)
	MLTIP_TEST_DATABASE_URL=$(PG_URL) $(PYTHON) -m pytest -q

lint: $(PYTHON)  ## ruff: lint and formatting
	$(VENV)/bin/ruff check bot tests bench
	$(VENV)/bin/ruff format --check bot tests bench

format: $(PYTHON)  ## ruff: fix what can be fixed and format
	$(VENV)/bin/ruff check --fix bot tests bench
	$(VENV)/bin/ruff format bot tests bench

types: $(PYTHON)  ## mypy --strict (the files listed in pyproject.toml)
	$(VENV)/bin/mypy

check: lint types  ## lint and types, as CI runs them

bench: $(PYTHON)  ## the benchmarks; writes bench/RESULTS.md
	$(PYTHON) -m bench

wheel: $(PYTHON)  ## build the sdist and wheel into dist/ and check them
	$(PYTHON) -m build --outdir dist .
	$(PYTHON) -m twine check --strict dist/*

ci:  ## exactly what CI runs, on this checkout
	.ci/run

clean:  ## remove build output and caches (keeps the venv)
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
