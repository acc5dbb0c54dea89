# Two commands from a fresh clone: `make demo` and `make test` (each sets up .venv itself).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test lint bench fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[plot]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev,plot]'
	touch $@ $(VENV)/.demo-installed

demo: $(VENV)/.demo-installed
	$(VENV)/bin/microgradnet demo

test: $(VENV)/.dev-installed
	$(PY) -m pytest -q

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check microgradnet tests benchmarks

bench: $(VENV)/.dev-installed
	$(VENV)/bin/microgradnet bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
