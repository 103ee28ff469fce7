# Quick start: `make demo` (the main job) and `make test` (the test suite).
# Each target builds .venv/ on first use and reinstalls when the set-up files change.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint docs benchmarks clean

$(VENV)/.installed: setup.cfg pyproject.toml requirements/dev-constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --constraint requirements/dev-constraints.txt --editable ".[dev,docs]"
	touch $@

demo: $(VENV)/.installed
	$(PY) -m sklearn_dc demo

test: $(VENV)/.installed
	$(PY) -m ruff check sklearn_dc tests benchmarks examples tools
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check sklearn_dc tests benchmarks examples tools
	$(PY) -m ruff format --check sklearn_dc tests benchmarks examples tools

# The docs site (Sphinx, numpydoc, sphinx-gallery running examples/); warnings
# are errors.
docs: $(VENV)/.installed
	rm -rf docs/_build docs/generated docs/auto_examples
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

benchmarks: $(VENV)/.installed
	$(PY) benchmarks/bench_tables.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/generated docs/auto_examples
