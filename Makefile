# Broadsheet: `make site` and `make test` each bootstrap .venv on their own.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core and the Nu Html Checker for the browser tests, Lighthouse for bench/lighthouse.py
# (package.json). Without npm the browser tests that need them skip, loudly.
NPM_STAMP := node_modules/.installed

.PHONY: site test lint format bench serve clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	else echo "npm is missing: browser tests that need axe-core or vnu-jar will be skipped"; fi

site: $(STAMP)
	$(PY) tasks.py import samples/raw
	$(PY) tasks.py build
	@echo "Site built: open file://$(CURDIR)/output/index.html or run $(PY) tasks.py serve"

test: $(STAMP) $(NPM_STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/textclean.py
	$(PY) bench/extract.py
	$(PY) bench/metadata.py
	$(PY) bench/dedupe.py
	$(PY) bench/import_jobs.py

serve: $(STAMP)
	$(PY) tasks.py serve

clean:
	rm -rf output cache test-artifacts
