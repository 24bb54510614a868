# The front door: `make demo` and `make test` work on a fresh machine with Python 3.11.
SHELL := /bin/bash
# The pins support Python 3.11 and 3.12 (pyproject requires-python): take the first of these
# that is one, so `make demo` works where `python3` is 3.13, and say so clearly where none is.
SUPPORTED_PYTHON := $(firstword $(foreach p,python3.12 python3.11 python3,$(shell $(p) -c 'import sys; print("$(p)") if (3, 11) <= sys.version_info[:2] <= (3, 12) else None' 2>/dev/null)))
PYTHON ?= $(SUPPORTED_PYTHON)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Dagster's instance: $DAGSTER_HOME when set, else `dagster` in the scorecard's artifacts folder
# (decision 63): what `scorecard run` uses, so `make dev` shows the runs of `make demo` too.

.PHONY: install demo demo-social test test-fast lint format dev clean

$(STAMP): pyproject.toml constraints.txt
	@if [ ! -x $(BIN)/python ] && [ -z "$(PYTHON)" ]; then \
		echo "No supported Python found: Marketing Scorecard needs Python 3.11 or 3.12 (python3.12," \
		"python3.11 or python3 on PATH). Install one (e.g. apt-get install python3.11-venv, or uv" \
		"python install 3.12), or run: make PYTHON=/path/to/python3.12 demo" >&2; exit 2; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The Spark engine (engine: spark) for its tests: dbt-spark and pyspark, installed by `make
# test` only, so `make demo` never downloads or starts anything for Spark.
SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,spark]'
	@touch $(SPARK_STAMP)

## Run the whole pipeline on bundled demo data and print where the scorecard is.
demo: install
	$(BIN)/scorecard run --demo

## The Social Media Scorecard variant of the demo.
demo-social: install
	$(BIN)/scorecard run --demo --config orchestration/demo/social_media_scorecard.yml

## Everything CI runs: lint (Python and SQL), dbt unit tests and the pytest suite
## (end-to-end tests included).
test: install $(SPARK_STAMP)
	tests/services/install.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SCORECARD_WAREHOUSE=:memory: $(BIN)/sqlfluff lint dbt_project/models
	$(BIN)/pytest -n 2

## Skip the slow end-to-end tests while iterating.
test-fast: install
	$(BIN)/pytest -n 2 -m "not slow"

lint: install
	$(BIN)/ruff check .
	SCORECARD_WAREHOUSE=:memory: $(BIN)/sqlfluff lint dbt_project/models

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The Dagster UI on http://127.0.0.1:3000 (the demo where there is no scorecard.yml and no
## SCORECARD_CONFIG: the code location itself never falls back to the demo), on the instance
## `scorecard run` records its runs in (decision 63).
dev: install
	@if [ -z "$$SCORECARD_CONFIG" ] && [ ! -f scorecard.yml ]; then \
		echo "No scorecard.yml and no SCORECARD_CONFIG: showing the demo (SCORECARD_DEMO=1)"; \
		export SCORECARD_DEMO=1; fi; \
	home=$$($(BIN)/python -c 'from orchestration.runner import dagster_home; print(dagster_home())') \
		|| { echo "Fix the config first: $(BIN)/scorecard validate-config" >&2; exit 2; }; \
	echo "Dagster instance: $$home"; \
	DAGSTER_HOME="$$home" $(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
