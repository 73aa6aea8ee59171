# Two commands do everything on a machine with Python 3.11+ and make:
#   make run    virtualenv, install, migrate, demo data, serve on http://127.0.0.1:8000
#   make test   virtualenv with the test tools, then the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= --reuse-db -n auto

.PHONY: run test migrate lint format clean-db bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Local development: DEBUG and demo mode on unless the environment says otherwise.
run: export DEBUG ?= true
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_visits
	@echo "Serving on http://$(HOST):$(PORT)/  (log in at http://$(HOST):$(PORT)/accounts/login/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# pytest's exit code 5 means "no tests collected": not a failure of the suite itself.
test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi; exit $$rc

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Stops nothing: the embedded server stops when the last process using it exits.
clean-db:
	rm -rf var/pgdata

# --- Benchmark (issue 11) ------------------------------------------------------------------------
# `make bench` (or `SCALE=0.1 make bench`): a separate database (DATABASE_URL if set, whose name
# must end in _bench, else the embedded server's revere_bench), migrate, seed_scale, then
# bench/run.py serves it with gunicorn (bench settings) and loads each page with wrk.
SCALE ?= 1
BENCH_ARGS ?=
bench: export DJANGO_SETTINGS_MODULE = revere.settings_bench
bench: export DEBUG ?= false
bench: export DEMO_MODE = false
bench: export MANIFEST_STATIC = false
bench: export SECRET_KEY ?= bench-only-secret-key-never-used-in-any-deployment
bench: export EMBEDDED_DB_NAME ?= revere_bench
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || apt-get install -y wrk || { \
		echo "wrk is missing and apt-get could not install it"; exit 1; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_scale --scale $(SCALE)
	$(PY) bench/run.py $(BENCH_ARGS)
