# The README's two commands: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app app

# CJK fonts, the Latin face and colour emoji for badges, and HarfBuzz's subsetter so WeasyPrint
# embeds them fast.
RUN_PACKAGES := fonts-noto-cjk fonts-liberation fonts-noto-color-emoji libharfbuzz-subset0
# The browser for end-to-end tests, pdftoppm to read badges back, wrk for benchmarks.
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils wrk

.PHONY: run test serve lint bench db-upgrade catalogs translations browser-test-deps system-packages-run system-packages-test

run: system-packages-run $(VENV)/.installed-run catalogs db-upgrade
	@$(FLASK) summit seed --if-empty
	@echo "Demo logins (admin UI at http://$(HOST):$(PORT)/admin):"
	@$(FLASK) summit demo-accounts
	@echo "Summit is running at http://$(HOST):$(PORT)/ (the demo event: http://$(HOST):$(PORT)/embedded-china-2020/)"
	@$(FLASK) run --host $(HOST) --port $(PORT)

test: system-packages-test $(VENV)/.installed-test catalogs browser-test-deps lint
	$(BIN)/pytest

# Style and errors (ruff), and the import contracts of pyproject.toml (import-linter):
# the outbox and the links import no area, no cycles, views over services.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Production serving: gunicorn as gunicorn.conf.py sizes it (WEB_CONCURRENCY,
# GUNICORN_THREADS, GUNICORN_BIND=127.0.0.1:8000 behind nginx). Set SUMMIT_ENV=production,
# SECRET_KEY and DATABASE_URL first; see the README's "Running it in production".
serve: system-packages-run $(VENV)/.installed-run catalogs db-upgrade
	exec $(BIN)/gunicorn --config gunicorn.conf.py app:app

# The table of requests/s, p50/p99 and errors per path against /healthz, SQLite and (with
# TEST_DATABASE_URL or BENCH_DATABASE_URL) PostgreSQL, then the badge benchmark.
# BENCH_SECONDS=10 for a quick run; SOAK_MINUTES=10 adds the soak test.
bench: system-packages-test $(VENV)/.installed-test catalogs
	$(BIN)/python bench/run.py

# Calendar feeds and schedule exports of a 1,000-session programme: cold build, and
# warm feeds under wrk as a ratio to /healthz (SQLite; BENCH_DATABASE_URL for PostgreSQL).
.PHONY: bench-feeds
bench-feeds: system-packages-test $(VENV)/.installed-test catalogs
	$(BIN)/python bench/feeds.py

# 300 and 3,000 badges to one PDF each: wall s, pages/s, peak memory and CPU of the
# process tree, and the ratio to WeasyPrint's near-empty pages.
.PHONY: bench-badges
bench-badges: system-packages-run $(VENV)/.installed-test
	$(BIN)/python bench/badges.py

db-upgrade: $(VENV)/.installed-run
	@$(FLASK) db upgrade

# The UI's translations: compiled here (the .mo files are not committed); fuzzy
# entries are left out, so an unchecked guess shows the English source instead.
catalogs: $(VENV)/.installed-run
	@if ls summit/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(BIN)/pybabel -q compile -d summit/translations; fi

# After adding or changing UI strings: extract them all into messages.pot and merge
# that into the Chinese catalog (no fuzzy guesses: a wrong one is worse than none); then
# translate the new entries and `make catalogs`.
TRANSLATIONS := summit/translations
translations: $(VENV)/.installed-run
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg --no-wrap --sort-by-file \
		--project Summit --copyright-holder "Summit contributors" \
		-o $(TRANSLATIONS)/messages.pot summit templates
	$(BIN)/pybabel -q update --no-wrap --no-fuzzy-matching -l zh_Hans_CN --init-missing \
		-i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	@echo "Now translate the empty and '#, fuzzy' entries of $(TRANSLATIONS)/zh_Hans_CN/LC_MESSAGES/messages.po, then: make catalogs"

# The browser tests' axe-core (accessibility audit), from the npm registry where npm exists.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
browser-test-deps:
	@if [ ! -f $(AXE) ]; then \
		if command -v npm >/dev/null; then \
			npm install --no-save --no-audit --no-fund --silent --prefix tests/e2e axe-core@4 \
			|| echo "Note: could not install axe-core from npm; the accessibility audit will skip."; \
		else echo "Note: no npm here; the accessibility audit will skip (install npm to run it)."; fi; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed-run

# Installs through apt what is missing, as root or through sudo; says so and goes on
# when it cannot (no apt, no rights): the features that need a package then tell you.
define apt_install
	@missing=""; for package in $(1); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then \
			echo "Note: no apt-get here; please install$$missing yourself."; \
		else \
			sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
			echo "Installing system packages:$$missing"; \
			{ $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing \
			  || { $$sudo apt-get update -q && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; }; \
			} >/dev/null 2>&1 || echo "Note: could not install$$missing (need root or sudo)."; \
		fi; \
	fi
endef

system-packages-run:
	$(call apt_install,$(RUN_PACKAGES))

system-packages-test:
	$(call apt_install,$(TEST_PACKAGES))
