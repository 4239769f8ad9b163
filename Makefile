# hrhub — every target sets itself up: a fresh machine needs only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW_CONFIG := $(CURDIR)/airflow.cfg
export HRHUB_HOME := $(CURDIR)
# Debian packages the suite needs, installed by `make` when missing (README lists them).
# The audio stack's wheels bundle libsndfile; the browser tests drive Debian's chromium
# through Playwright (no browser is downloaded); a small CJK font lets its screenshots show
# the pages' Chinese.
DEBIAN_PACKAGES := espeak-ng chromium fonts-wqy-microhei
PYTEST_ARGS ?=

.PHONY: help install debian demo test test-fast bench reliability up lint format lock clean

help:
	@echo "make demo   - install, start the simulators, run the flow through real Airflow"
	@echo "make test   - install, then the whole test suite (what CI runs)"
	@echo "make up     - Airflow standalone with hrhub's plugin and the simulators"
	@echo "make bench  - benchmarks with ratios against the peers"
	@echo "make reliability - faults, killed processes, hostile input, leaks: the table"
	@echo "make lint   - ruff"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"

install: $(VENV)/.installed

# The venv is rebuilt only when the lock file or pyproject change; a second run reuses it.
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(MAKE) --no-print-directory debian
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	mkdir -p $(AIRFLOW_HOME)
	touch $@

debian:
	@missing=""; for p in $(DEBIAN_PACKAGES) ; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu -o requirements.lock

# Two workers, one test file each at a time (module fixtures stay per file): the Airflow
# tests mostly wait on Airflow's processes, so two run side by side on two cores. Each
# worker's PostgreSQL tests get a database of their own. The 25 slowest tests are listed at
# the end, to keep the whole run under 25 minutes.
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not bench and not reliability" -n 2 --dist loadfile --durations=25 $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not bench and not airflow" -x -q $(PYTEST_ARGS)

demo: install
	$(BIN)/hrhub demo

up: install
	$(BIN)/hrhub up

bench: install
	$(BIN)/hrhub bench

# Not part of `make test`: the fault matrix alone runs the flow a dozen times at full size.
RELIABILITY_ARGS ?=
reliability: install
	$(BIN)/hrhub reliability $(RELIABILITY_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .airflow .hrhub out .pytest_cache .ruff_cache
