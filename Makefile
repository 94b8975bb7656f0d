# iplm-pipeline: `make run` computes the bundled sample year, `make test` runs the tests.
# Needs only Python 3.11+ and make: uv (pinned) is bootstrapped into .tools/ when not on PATH,
# then installs the locked environment (uv.lock) into .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.8
YEAR ?= 2024
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON ?= $(PYTHON)

.DEFAULT_GOAL := help
.PHONY: help setup run backfill test test-fast bench bench-smoke dev lint sample clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

setup: $(VENV)/.synced  ## install the locked environment into .venv

run: setup  ## compute IPLM $(YEAR) from the bundled sample in data/raw/ and publish data/marts/iplm.duckdb
	$(BIN)/iplm run --year $(YEAR)

backfill: setup  ## recompute every sample year (2022-2024) in one run
	$(BIN)/iplm backfill --from 2022 --to 2024

test: setup  ## run the whole test suite
	$(BIN)/python -m pytest

test-fast: setup  ## tests without the end-to-end runs
	$(BIN)/python -m pytest -m "not slow"

bench: setup  ## benchmark one national year (CSV, XLSX, bare baseline, scale curve) -> bench/results.md
	$(BIN)/python bench/run.py

bench-smoke: setup  ## the benchmark at a tiny scale, to keep it working (no timing asserted)
	$(BIN)/python bench/run.py --smoke

dev: setup  ## Dagster UI + daemon (schedules) on http://127.0.0.1:3000, instance in ./.dagster
	DAGSTER_HOME=$(CURDIR) $(BIN)/dg dev

lint:  setup ## ruff
	$(BIN)/ruff check iplm_pipeline tests bench scripts

sample: setup  ## regenerate the bundled sample data in data/raw/ (deterministic)
	$(BIN)/python scripts/build_sample.py

clean:  ## remove the environment, caches and built marts (not data/raw)
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .dagster .nux data/marts/*.duckdb data/marts/.build
