# envbridge: `make demo` runs the main job, `make test` runs the suite.
# Each target installs what it needs (a virtualenv in .venv, system packages via apt-get).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# setuptools warns once per editable install with a boxed BuildBackendWarning that tells
# users nothing actionable; the build backend inherits PYTHONWARNINGS from pip.
PIP_QUIET := PYTHONWARNINGS=ignore

.PHONY: demo test test-vf1 bench lint format system-deps clean help

help:
	@echo "make demo   - serve sample environments and drive them (the main job)"
	@echo "make test   - run the test suite"
	@echo "make lint   - ruff check + format check"
	@echo "make bench  - envbridge vs the official OpenEnv stack (~8-10 min; BENCH_ARGS=--quick for a smoke run)"

$(STAMP): pyproject.toml requirements-test.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(PIP_QUIET) $(BIN)/pip install -q -e '.[dev]' -r requirements-test.txt
	$(PIP_QUIET) $(BIN)/pip install -q -e envs/verifiers/vf_math -e envs/verifiers/vf_guess -e envs/verifiers/vf_calc
	touch $(STAMP)

VF1 := .venv-vf1
$(VF1)/.installed: pyproject.toml
	$(PY) -m venv $(VF1)
	$(VF1)/bin/pip install -q --upgrade pip
	$(PIP_QUIET) $(VF1)/bin/pip install -q -e '.[verifiers-v1]' 'verifiers[openenv]' pytest pytest-timeout hypothesis -e envs/verifiers/vf1_math -e envs/verifiers/vf1_calc -e envs/verifiers/vf1_guess
	touch $@

test-vf1: $(VF1)/.installed $(STAMP)
	$(VF1)/bin/python -m pytest -q tests/bridges/verifiers_v1 tests/chaos

OE03 := .venv-oe03/.installed
$(OE03):
	$(PY) -m venv .venv-oe03
	.venv-oe03/bin/pip install -q 'openenv-core==0.3.0'
	touch $(OE03)

# The conformance corpus's PyPI-only environment (tests/conformance/test_openenv_corpus.py):
# OpenEnv's DIPG safety env as published on PyPI, served by openenv 0.10.0. --no-deps: its
# metadata pins openenv-core (whose files clash with openenv's) and server extras it does
# not need to serve; the few it imports are named here.
CORPUS := .venv-corpus/.installed
$(CORPUS):
	$(PY) -m venv .venv-corpus
	.venv-corpus/bin/pip install -q 'openenv==0.10.0' datasets sqlalchemy numpy pydantic-settings
	.venv-corpus/bin/pip install -q --no-deps 'openenv-dipg-safety==0.1.67'
	touch $(CORPUS)

system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP) system-deps
	$(BIN)/python -m envbridge.demo

test: $(STAMP) $(OE03) $(CORPUS) system-deps
	$(BIN)/ruff check .
	$(BIN)/mypy spec
	$(BIN)/python -m pytest -q
	$(MAKE) test-vf1

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

base-image: $(STAMP) system-deps
	$(BIN)/envbridge base-image

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info
