# The README's two commands are the first two targets: make run, make test.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Links in emails, QR codes and the demo's printout follow the port make run serves on, for
# make run and make worker alike (PUBLIC_URL in the environment still wins; other flask
# commands, such as a sweep run by hand, need it set when the port is not 5000).
LOCAL_HOST := $(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(if $(filter ::,$(HOST)),[::1],$(HOST)))
LOCAL_URL := http://$(LOCAL_HOST):$(PORT)

.PHONY: run test bench worker mail lint format clean

run: $(VENV)/.run-deps ## venv, install, migrate, seed the demo once, serve on :5000 (inline jobs)
	$(FLASK) db upgrade
	PUBLIC_URL="$${PUBLIC_URL:-$(LOCAL_URL)}" $(FLASK) demo
	PUBLIC_URL="$${PUBLIC_URL:-$(LOCAL_URL)}" DUE_LOOK_SECONDS="$${DUE_LOOK_SECONDS:-300}" \
		$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-deps ## ruff, then the whole pytest suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.dev-deps ## side-by-side benchmarks → bench/results.json and a table
	$(PY) -m bench.run $(BENCH_ARGS)

worker: $(VENV)/.run-deps ## an RQ worker (needs REDIS_URL)
	PUBLIC_URL="$${PUBLIC_URL:-$(LOCAL_URL)}" $(FLASK) worker

mail: $(VENV)/.dev-deps ## a local SMTP server on 127.0.0.1:1025 that prints every email (make run SMTP_PORT=1025)
	$(PY) -m aiosmtpd -n -u -l 127.0.0.1:1025

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Phasewise needs Python 3.11 or newer as $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.run-deps: pyproject.toml $(VENV)/.python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-deps: pyproject.toml $(VENV)/.run-deps
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache bench/results.json
