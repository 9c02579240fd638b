# resettle: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# A Python >= 3.12: the first of these that runs (pyenv shims may exist without a usable version).
PYTHON ?= $(shell for c in python3.13 python3.12 python3 /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v $$c; break; fi; done)

.PHONY: setup demo test test-slow bench lint docs clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found (set PYTHON=/path/to/python3.12)" >&2; exit 2; fi
	@echo "setting up $(VENV) with $(PYTHON)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/resettle demo --workers 2
	@echo "see results/demo/index.html"

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q
	$(PY) -m pytest -q -m slow tests/test_calibration.py  # the shipped calibration still fits (about 1 min)

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# regenerate the tables in README.md and docs/ODD.md from the code (docs/gen_tables.py)
docs: $(STAMP)
	$(PY) docs/gen_tables.py

clean:
	rm -rf $(VENV) .pytest_cache
