# make run   - create .venv, install, open the app on SQLite with demo data
# make test  - create .venv, install, run lint, import contracts and the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Qt offscreen needs these; a real window also needs the xcb set.
QT_PKGS := libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0
XCB_PKGS := libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
            libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1
SCREEN_PKGS := xvfb xauth
# The Prometheus source is tested against a real server on loopback.
TEST_PKGS := prometheus

.PHONY: run test test-without-qt lint bench bench-scale screenshots sysdeps-qt sysdeps-test sysdeps-xcb clean

define apt_ensure
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

sysdeps-qt:
	$(call apt_ensure,$(QT_PKGS))

sysdeps-test:
	$(call apt_ensure,$(QT_PKGS) $(TEST_PKGS))

sysdeps-xcb:
	$(call apt_ensure,$(QT_PKGS) $(XCB_PKGS))

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $(STAMP)

run: sysdeps-xcb $(STAMP)
	$(BIN)/commandcenter gui --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: sysdeps-test $(STAMP) lint test-without-qt
	QT_QPA_PLATFORM=offscreen COMMANDCENTER_REQUIRE_PROMETHEUS=1 $(BIN)/python -m pytest -q

# Like napari's CI job: everything below ui/ must import and pass with Qt absent.
NOQT := .venv-noqt
NOQT_STAMP := $(NOQT)/.installed
$(NOQT_STAMP): pyproject.toml
	test -x $(NOQT)/bin/python || $(PYTHON) -m venv $(NOQT)
	$(NOQT)/bin/python -m pip install -q --upgrade pip
	$(NOQT)/bin/python -m pip install -q "SQLAlchemy>=2.0.30" "alembic>=1.13" "platformdirs>=4" \
	    "argon2-cffi>=23.1" "cryptography>=42" "numpy>=1.26" "pytest>=8" "hypothesis>=6.100" \
	    "psycopg[binary]>=3.1" "pyarrow>=15" "duckdb>=1.0" "duckdb-engine>=0.13"
	$(NOQT)/bin/python -m pip install -q --no-deps -e .
	touch $(NOQT_STAMP)

# The approval state machine runs its 500 examples in the main run; here it only has to
# import and run without Qt.
test-without-qt: $(NOQT_STAMP)
	! $(NOQT)/bin/python -c "import PySide6" 2>/dev/null
	COMMANDCENTER_STATE_MACHINE_EXAMPLES=50 $(NOQT)/bin/python -m pytest -q -p no:cacheprovider \
	    tests/domain tests/services \
	    tests/persistence tests/cli -W "ignore::pytest.PytestConfigWarning"

bench: sysdeps-qt $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks.run_all --json bench-report.json

# 200,000,000-profile snapshots generated on disk (about 5 GB, removed after).
bench-scale: $(STAMP)
	$(BIN)/python -m tests.benchmarks.bench_scale --json bench-scale-report.json

screenshots: sysdeps-xcb $(STAMP)
	$(call apt_ensure,$(SCREEN_PKGS))
	xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python -m commandcenter.ui.screenshots packaging/screenshots

clean:
	rm -rf $(VENV) $(NOQT) build *.egg-info .pytest_cache .ruff_cache
