# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run    serve the LMS at http://127.0.0.1:8000 with demo data
#   make test   the whole suite on SQLite, and again on PostgreSQL when LMS_TEST_DATABASE_URL is set

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export LMS_DATABASE_URL ?= sqlite:///$(CURDIR)/var/lms.db

# System libraries: Pango and HarfBuzz subsetting for WeasyPrint (certificates), fonts, and
# Debian's Chromium for the browser tests (Playwright never downloads a browser here).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) chromium

.PHONY: run test test-sqlite test-postgres lint bench system-deps-run system-deps-test \
	venv-run venv-dev node-deps messages clean npm-from-debian

run: system-deps-run venv-run
	@mkdir -p var
	$(BIN)/lms db upgrade
	$(BIN)/lms regions load
	$(BIN)/lms courses sync
	@if [ ! -f var/.demo-loaded ]; then $(BIN)/lms demo && touch var/.demo-loaded; \
	 else echo "Demo sudah dimuat sebelumnya; jalankan '$(BIN)/lms demo' untuk melihat daftar akun."; fi
	$(BIN)/lms serve --host $(HOST) --port $(PORT)

test: system-deps-test venv-dev node-deps
	$(BIN)/pytest
	@if [ -n "$$LMS_TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$LMS_TEST_DATABASE_URL)"; \
	  LMS_TEST_BACKEND=postgresql $(BIN)/pytest; \
	else echo "LMS_TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: system-deps-test venv-dev node-deps
	$(call install_debs,wrk,optional)
	$(BIN)/python -m bench

messages: venv-dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --omit-header -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d lms/locale -l en --no-fuzzy-matching --omit-header

define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
	  echo "Missing system packages:$$missing"; \
	  echo "Install them with: sudo apt-get update && sudo apt-get install -y$$missing"; \
	  if [ "$(2)" = "required" ]; then exit 1; fi; \
	fi
endef

system-deps-run:
	$(call install_debs,$(RUN_DEBS),optional)

system-deps-test:
	$(call install_debs,$(TEST_DEBS),required)
	@# npm fetches axe-core; a machine that has Node from elsewhere keeps it.
	@command -v npm >/dev/null || { $(MAKE) --no-print-directory npm-from-debian; }

npm-from-debian:
	$(call install_debs,nodejs npm,required)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.dev-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.run-stamp

venv-run: $(VENV)/.run-stamp
venv-dev: $(VENV)/.dev-stamp

# axe-core for the accessibility checks of the browser tests, pinned to one version.
AXE_VERSION := 4.11.0
node_modules/axe-core/axe.min.js:
	npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)
	@test -f $@

node-deps: node_modules/axe-core/axe.min.js

clean:
	rm -rf $(VENV) node_modules var/test-* .pytest_cache
