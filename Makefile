# citywatch — `make demo` and `make test` are all a fresh Debian machine with Python 3.11 needs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_TOOLS := ffmpeg ffprobe

.PHONY: demo test lint typecheck unit bench system-deps venv clean web

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The control-room web app (web/): npm packages from the lock, built into web/dist for `citywatch serve`.
WEB_DEPS := web/node_modules/.citywatch-installed
WEB_STAMP := web/dist/.citywatch-built
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

$(WEB_STAMP): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && npm run build
	touch $(WEB_STAMP)

web: $(WEB_STAMP)

# Tools the tests drive as real clients; installed from Debian's packages when absent.
system-deps:
	@missing=""; \
	for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null || missing="$$missing ffmpeg"; done; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: venv
	$(BIN)/mypy

test: system-deps venv lint typecheck web
	cd web && npm test -- --run
	$(BIN)/pytest -q
	CITYWATCH_TEST_DATABASE=postgresql $(BIN)/pytest -q tests/store tests/access/test_access_api.py tests/access/test_permissions.py tests/access/test_route_matrix.py tests/api/test_api_basics.py tests/api/test_playback_api.py tests/api/test_bookmarks.py tests/video/test_motion.py tests/video/test_segmenter.py tests/video/test_retention.py tests/partners tests/tracking/test_services.py tests/tracking/test_models.py tests/tracking/test_handoff_and_profiles.py tests/evidence/test_holds.py tests/evidence/test_keys_and_cli.py --deselect tests/video/test_retention.py::test_recording_survives_a_full_disk_and_keeps_held_footage

demo: system-deps venv web
	$(BIN)/citywatch demo

# Every benchmark, each against its baseline in the same run; results and commands in BENCHMARKS.md.
# seek.py builds an 800-camera x 31-day index once (about 20 minutes, cached in bench/out/).
bench: system-deps venv web
	$(BIN)/python bench/recording.py
	$(BIN)/python bench/seek.py
	$(BIN)/python bench/live_latency.py
	$(BIN)/python bench/motion.py
	$(BIN)/python bench/ttff.py
	$(BIN)/python bench/tracking.py
	$(BIN)/python bench/crime.py
	$(BIN)/python bench/crime_dashboard.py
	$(BIN)/python bench/access.py
	$(BIN)/python bench/ptz_latency.py
	$(BIN)/python bench/sim_ptz.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/partners.py
	$(BIN)/python bench/seek.py --database postgresql
	$(BIN)/python bench/fleet.py
	$(BIN)/python bench/fleet_reads.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
