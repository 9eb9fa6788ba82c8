# Two commands do everything on a fresh machine:
#   make html   - create .venv (site dependencies only) on first run, then build _build/html strictly
#   make test   - add the collector and test dependencies, then lint (ruff, import layers:
#                 lint-imports, pyproject.toml) and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SITE_STAMP := $(VENV)/.site-requirements
DEV_STAMP := $(VENV)/.dev-requirements
SPHINXOPTS ?=

.PHONY: html test lint clean dev

# A failed strict build forgets its saved environment, so the next run re-reads every page
# and reports the same problems again instead of passing on a stale environment.
html: $(SITE_STAMP)
	$(PY) -m sphinx -W --keep-going -b html -c . docs _build/html $(SPHINXOPTS) \
		|| { rm -f _build/html/.doctrees/environment.pickle; exit 1; }

test: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

dev: $(DEV_STAMP)

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

$(SITE_STAMP): requirements/site.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/site.txt
	touch $@

$(DEV_STAMP): requirements/dev.txt $(SITE_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

clean:
	rm -rf _build
