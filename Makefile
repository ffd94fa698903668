# cebsim — the two commands of the Quick start, and a few for developers.
#   make run    create .venv, install, start the embedded simulator on http://127.0.0.1:8000
#   make test   create .venv, install the dev extras, start Kafka + PostgreSQL, run the whole suite, stop them
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH ?= full

.PHONY: run test lint types contracts unit integration services-start services-stop bench xsd clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cebsim needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	@mkdir -p var
	$(BIN)/cebsim serve --demo --host $(HOST) --port $(PORT) --db sqlite:///var/cebsim.db

test: $(VENV)/.installed-dev
	bash infra/test.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.installed-dev
	$(BIN)/mypy

contracts: $(VENV)/.installed-dev
	$(BIN)/lint-imports

unit: $(VENV)/.installed-dev
	$(BIN)/pytest tests/unit -q

services-start:
	$(PYTHON) infra/services.py start --state var/services

services-stop:
	$(PYTHON) infra/services.py stop --state var/services

bench: $(VENV)/.installed-dev
	BENCH=$(BENCH) bash infra/bench.sh

xsd: $(VENV)/.installed-dev
	$(BIN)/python -m schemas.xsd_writer

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
