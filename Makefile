# Broadsheet: `make site` and `make test` each bootstrap .venv on their own.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: site test lint format bench serve clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

site: $(STAMP)
	$(PY) tasks.py import samples/raw
	$(PY) tasks.py build
	@echo "Site built: open file://$(CURDIR)/output/index.html or run $(PY) tasks.py serve"

test: $(STAMP)
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
	rm -rf output cache
