# The project's task runner. `make run` and `make test` are the two commands in the README.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Two test processes (this is a 2-core machine); loadfile keeps each module in one process, so
# the real-worker integration tests never share a queue with each other.

# Python 3.12+: .python-version selects 3.13 under pyenv; otherwise the first suitable
# interpreter on PATH.
PYTHON := $(shell for p in python3 python3.13 python3.12 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$p; break; fi; done)

.PHONY: help venv run test lint format lock seed migrate bench clean messages

help:
	@echo "make run    - install, migrate, load demo data, then web + Celery worker + beat on http://127.0.0.1:$(PORT)"
	@echo "make test   - install, ruff, import contracts, migrations check, then the whole test suite (PostgreSQL/Redis tests need DATABASE_URL/REDIS_URL)"
	@echo "make format - ruff format and fix"
	@echo "make lock   - re-pin requirements.lock from pyproject.toml"
	@echo "make messages - re-extract and compile the Spanish catalogue (needs GNU gettext)"

$(BIN)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is needed. Install it (e.g. 'pyenv install 3.13' or your OS's python3.13 package) and run make again." >&2; \
		exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo "Starting web on http://127.0.0.1:$(PORT), a Celery worker and Celery beat. Ctrl-C stops all."
	@echo "Emails go to var/outbox/ (one .eml file each)."
	SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start -f Procfile -p $(PORT)

test: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

# Re-extract the Spanish catalogue after marking strings (needs GNU gettext: apt-get install
# gettext), translate the new entries in locale/es/LC_MESSAGES/django.po, then run it again to
# compile django.mo (committed: the site serves Spanish without gettext).
messages: venv
	$(BIN)/python -m clinic.messages update

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:
	rm -rf /tmp/clinic-lock && $(PYTHON) -m venv /tmp/clinic-lock
	/tmp/clinic-lock/bin/pip install --quiet --upgrade "pip>=25.1"
	/tmp/clinic-lock/bin/pip install --quiet --group dev -r <(/tmp/clinic-lock/bin/python -c 'import tomllib;print("\n".join(tomllib.load(open("pyproject.toml","rb"))["project"]["dependencies"]))')
	/tmp/clinic-lock/bin/pip freeze --exclude pip > requirements.lock

bench: venv
	$(BIN)/python bench/availability.py

clean:
	rm -rf var/ staticfiles/
