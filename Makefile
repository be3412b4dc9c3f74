# Two commands matter: `make demo` and `make test`. Both set up .venv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EMULATOR := tests/emulator
EMULATOR_STAMP := $(EMULATOR)/node_modules/.installed
PROVIDERS := tests/infra
PROVIDERS_STAMP := $(PROVIDERS)/node_modules/.installed

.PHONY: fuzz demo test bench venv emulator providers chromium clean infra-check messages

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

$(EMULATOR_STAMP): $(EMULATOR)/package.json $(EMULATOR)/package-lock.json
	cd $(EMULATOR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(EMULATOR_STAMP)

emulator: $(EMULATOR_STAMP)

# The Terraform providers' schemas (npm's @cdktf packages), for tests/infra.
$(PROVIDERS_STAMP): $(PROVIDERS)/package.json $(PROVIDERS)/package-lock.json
	cd $(PROVIDERS) && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts --legacy-peer-deps
	touch $(PROVIDERS_STAMP)

providers: $(PROVIDERS_STAMP)

# Headless Chromium renders the emails and pages in tests; installed from Debian when missing.
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing chromium (Debian package)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; } \
	  || echo "warning: chromium could not be installed; the browser tests will be skipped"; }

demo: $(STAMP)
	$(PY) -m functions --data .data demo --weeks 6

test: $(STAMP) emulator providers chromium
	$(PY) -m pytest

bench: $(STAMP) emulator
	$(PY) -m benchmarks

# The property tests with examples drawn afresh (`make test` draws the same ones each run):
# ROUNDS runs, each printing its seed; a failure shows the example and the seed to replay
# it with `pytest --hypothesis-seed=SEED FILE`.
ROUNDS ?= 10
PROPERTY_TESTS = $(shell grep -rl --include='*.py' '^from hypothesis' tests)
fuzz: $(STAMP) emulator
	@for round in $$(seq $(ROUNDS)); do \
	  seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); echo "round $$round: seed $$seed"; \
	  HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider --hypothesis-seed=$$seed \
	    $(PROPERTY_TESTS) || exit 1; done

# The catalogues: every message of the code and templates into messages.pot, then each
# language's messages.po brought up to date (new entries empty, for the translator).
LOCALE := functions/locale
messages: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k words -k nwords:1,2 -k N_ -k plural:1,2 --no-location \
	  --sort-output --omit-header -o $(LOCALE)/messages.pot functions templates
	$(VENV)/bin/pybabel -q update -i $(LOCALE)/messages.pot -d $(LOCALE) --no-fuzzy-matching \
	  --ignore-obsolete

clean:
	rm -rf $(VENV) .data $(EMULATOR)/node_modules $(PROVIDERS)/node_modules tests/artifacts

# Static checks of the Terraform (checkov in a virtualenv of its own; not part of `test`).
infra-check:
	infra/checkov.sh
