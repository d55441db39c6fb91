# GridWatch: `make run` builds the default city end to end; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
STAMP   := $(VENV)/.installed
# Test workers (pytest-xdist), each with its own local[2] Spark session and a 6 GiB driver heap: two fit
# the 2-core, 24 GiB machine the suite is measured on; more cores and memory can take more.
TEST_WORKERS ?= 2
export GRIDWATCH_HOME ?= $(CURDIR)/data
export SPARK_LOCAL_IP := 127.0.0.1
export MLFLOW_DISABLE_TELEMETRY := true
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true
# Java 17 or newer: $JAVA_HOME if it is one, else the first JDK 17+ found on the machine.
export JAVA_HOME := $(shell bash .ci/find_java.sh 2>/dev/null)
export PATH := $(JAVA_HOME)/bin:$(PATH)

.PHONY: help check-env install system-deps run demo simulate pipeline test test-e2e test-cluster lint up bench clean

help:
	@echo "make run    - install, simulate Ordos, run the whole pipeline, print a summary"
	@echo "make test   - install and run the test suite (lint included)"
	@echo "make up     - Dagster UI, Streamlit app and MLflow UI on 127.0.0.1"
	@echo "make bench  - throughput benchmark at scale factors 1, 4, 16"

check-env:
	@bash .ci/check_env.sh

$(STAMP): pyproject.toml | check-env
	@test -x $(PY) || $$(bash .ci/find_python.sh) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Headless Chromium and its driver for page tests and PDF lists, a CJK font for charts.
system-deps:
	@bash .ci/system_deps.sh

run: install
	$(VENV)/bin/gridwatch demo

simulate: install
	$(VENV)/bin/gridwatch simulate

pipeline: install
	$(VENV)/bin/gridwatch pipeline

lint: install
	$(VENV)/bin/ruff check .

# The default suite on two workers by file, the end-to-end run on a small simulated city included: 689–787 s on
# 2 cores on 2026-12-04, 971–1,013 s on 2026-11-28 (serially it took 1,190–1,386 s then). With the
# standalone-cluster comparison as well it passed in 1,432 s, too close to CI's 25 minutes to keep here: that
# has its own target. On 2026-11-28/29 the
# same suite took 2,765 s in CI and 2,870 s here (every test ~2.8x slower), and 2,596 s with the smaller
# end-to-end city (3ac2f28): over 25 minutes, open work.
# Slowest tests last.
test: install system-deps lint
	$(VENV)/bin/pytest -q -m "not cluster" -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --timeout=900 --durations=25

test-e2e: install
	$(VENV)/bin/pytest -q -m slow

test-cluster: install
	$(VENV)/bin/pytest -q -m cluster

up: install
	$(VENV)/bin/gridwatch up

bench: install
	$(VENV)/bin/gridwatch bench --scale 1,4,16

clean:
	rm -rf $(GRIDWATCH_HOME)
