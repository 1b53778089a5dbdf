# The two commands in the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Set up and run on an embedded SQLite database with demo content.
run: install
	$(BIN)/youthjobs db upgrade
	$(BIN)/youthjobs demo
	$(BIN)/youthjobs serve --host $(HOST) --port $(PORT)

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility checks (axe-core) will be skipped"; fi

# Every test: unit and HTTP tests, then the browser tests in Chromium.
test: install node_modules/.installed
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/first_load.py
	$(BIN)/python bench/submissions.py
	$(BIN)/python bench/staff_console.py
	$(BIN)/python bench/outreach_sync.py

# Extract UI strings from the code and templates, and add new ones to every catalog.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -o server/locales/messages.pot --no-location --omit-header --sort-output -k _ -k N_ .
	$(BIN)/pybabel update -i server/locales/messages.pot -d server/locales --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var
