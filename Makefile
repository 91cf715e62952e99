# envbridge: `make demo` runs the main job, `make test` runs the suite.
# Each target installs what it needs (a virtualenv in .venv, system packages via apt-get).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format system-deps clean help

help:
	@echo "make demo   - serve sample environments and drive them (the main job)"
	@echo "make test   - run the test suite"
	@echo "make lint   - ruff check + format check"

$(STAMP): pyproject.toml requirements-test.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]' -r requirements-test.txt
	touch $(STAMP)

system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP) system-deps
	$(BIN)/python -m envbridge.demo

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy spec
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info
