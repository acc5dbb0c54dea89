# Two commands from a fresh clone: `make demo` and `make test` (each sets up .venv itself).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test lint bench fuzz pictures notebooks notebooks-build site clean

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

# lint first (ruff, a few seconds), then the whole suite
test: lint
	$(PY) -m pytest -q

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check microgradnet tests benchmarks docs notebooks/src

bench: $(VENV)/.dev-installed
	$(VENV)/bin/microgradnet bench

# the property-based tests at 5,000 cases each (a few minutes)
fuzz: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q --hypothesis-show-statistics \
		tests/test_fuzz_engine.py tests/test_fuzz_cli.py tests/test_save_load.py tests/test_expr.py

# regenerate the README's pictures under docs/
pictures: $(VENV)/.dev-installed
	$(PY) docs/make_pictures.py

# open the course notebooks in Jupyter (the dev extra installs it)
notebooks: $(VENV)/.dev-installed
	$(VENV)/bin/jupyter notebook --ip=127.0.0.1 notebooks/

# rebuild every notebooks/src/build_*.py and execute the notebooks in place, outputs included
notebooks-build: $(VENV)/.dev-installed
	$(PY) notebooks/src/build_all.py

# the zero-install site (site/): JupyterLite + Pyodide + viz-js, from PyPI and npm only; needs Node/npm.
# Serve it with `python -m http.server -d site` (README, "In the browser").
site: $(VENV)/.demo-installed
	$(PY) web/build_site.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
