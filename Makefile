# The two commands in the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install bench clean

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

# Every test: unit and HTTP tests, then the browser tests in Chromium.
test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/first_load.py
	$(BIN)/python bench/submissions.py

clean:
	rm -rf $(VENV) var
