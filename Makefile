# optviz: `make run` serves the app on http://localhost:8050, `make test` runs the test suite.
# Both work on a fresh Debian 12 machine with Python 3.11: they create the virtual environment
# and install what is missing (python3-venv and chromium through apt-get, as root or with sudo).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
# Extra pip options, e.g. PIP_FLAGS="--no-cache-dir" or an --index-url for a local mirror.
PIP_FLAGS ?=
# Extra pytest options, e.g. make test PYTEST_ARGS="-k deploy -x".
PYTEST_ARGS ?=
# Where Debian's chromium and chromium-driver packages put the browser and its driver.
CHROMIUM ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver

VPY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

# Run a command as root: directly when root, through sudo when it exists, else fail clearly.
AS_ROOT = if [ "$$(id -u)" -eq 0 ]; then :; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "error: $(1) needs root (run as root or install sudo)" >&2; exit 1; fi

.PHONY: help run test bench lint-docker browser venv clean

help:
	@echo "make run          serve the app on http://localhost:8050 (HOST/PORT override)"
	@echo "make test         run the whole test suite (headless chromium)"
	@echo "make bench        run every script in benchmarks/"
	@echo "make lint-docker  lint the Dockerfile with hadolint"
	@echo "make clean        remove caches and test artifacts (keeps $(VENV))"
	@echo "variables: VENV=$(VENV) PYTHON=$(PYTHON) PIP_FLAGS=... PYTEST_ARGS=..."

run: $(RUNTIME_STAMP)
	$(VPY) app.py

test: $(DEV_STAMP) browser
	$(VPY) -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP)
	@shopt -s nullglob; status=0; ran=0; \
	for script in benchmarks/*.py; do \
		case "$$(basename "$$script")" in _*) continue;; esac; \
		ran=1; echo "== $$script"; \
		PYTHONPATH=".$${PYTHONPATH:+:$$PYTHONPATH}" $(VPY) "$$script" || status=1; \
	done; \
	if [ "$$ran" -eq 0 ]; then echo "no benchmark scripts in benchmarks/"; fi; \
	exit $$status

lint-docker: $(DEV_STAMP)
	$(VENV)/bin/hadolint Dockerfile

venv: $(VPY)

# Debian ships venv (and ensurepip) separately: install python3-venv when venv creation fails.
$(VPY):
	@echo "creating $(VENV) with $(PYTHON)"
	@if ! $(PYTHON) -m venv $(VENV); then \
		rm -rf $(VENV); \
		echo "python3 -m venv failed: installing python3-venv"; \
		SUDO=; $(call AS_ROOT,installing python3-venv); \
		$$SUDO apt-get update && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv && \
		$(PYTHON) -m venv $(VENV); \
	fi
	@test -x $(VPY)

$(RUNTIME_STAMP): requirements.txt | $(VPY)
	$(VPY) -m pip install $(PIP_FLAGS) -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt, so this satisfies the runtime stamp too.
$(DEV_STAMP): requirements-dev.txt requirements.txt | $(VPY)
	$(VPY) -m pip install $(PIP_FLAGS) -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

# Browser tests (dash.testing) drive Debian's chromium through /usr/bin/chromedriver.
browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "warning: no apt-get: install chromium and chromedriver yourself for the browser tests" >&2; \
		exit 0; \
	fi; \
	echo "installing chromium and chromium-driver"; \
	SUDO=; $(call AS_ROOT,installing chromium); \
	$$SUDO apt-get update && \
	$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

clean:
	rm -rf .pytest_cache .hypothesis .numba_cache test-artifacts
	find . -path './.*' -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Docker checks, not part of `make test` (they need root and a Docker daemon, which
# ../shared/tools/docker-sandbox starts; `../shared/tools/docker-sandbox down` stops it).
# Both build the image first and print what docs/image-check.md records.
.PHONY: image-check failover

# the image: non-root, read-only root fs, --user 12345:0, /healthz and healthy times, a page, a figure
image-check:
	$(PYTHON) deploy/check_image.py

# 3 replicas behind nginx (deploy/nginx.conf), one killed mid-run: requests failed, latencies
failover:
	$(PYTHON) deploy/failover.py

# Load and fault tests of the production server (gunicorn on loopback), not part of `make test`;
# see benchmarks/load/README.md.  `make load` runs every scenario (about 11 minutes) and prints a
# summary; `make load LOAD_QUICK=1` is a smoke run of the harness (about 20 s); LOAD_ARGS passes
# options to benchmarks/load/run.py (e.g. LOAD_ARGS="--only starvation --variants default,threads8").
LOAD_VENV ?= .venv-load
LOAD_QUICK ?=
LOAD_ARGS ?=
LOAD_STAMP := $(LOAD_VENV)/.installed-load
.PHONY: load load-venv

load: $(RUNTIME_STAMP) $(LOAD_STAMP)
	$(LOAD_VENV)/bin/python benchmarks/load/run.py $(if $(filter-out 0 no false,$(LOAD_QUICK)),--quick) $(LOAD_ARGS)

# locust's own environment: it cannot share $(VENV) (it needs urllib3 2; selenium there pins 1.26).
load-venv: $(LOAD_STAMP)

$(LOAD_STAMP): requirements-load.txt | $(VPY)
	@test -x $(LOAD_VENV)/bin/python || $(PYTHON) -m venv $(LOAD_VENV)
	$(LOAD_VENV)/bin/python -m pip install $(PIP_FLAGS) -r requirements-load.txt
	touch $@
