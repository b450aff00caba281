# make run   - create .venv, install, open the app on SQLite with demo data
# make test  - create .venv, install, run lint, import contracts and the whole suite
# On a bare Debian machine, `sh bootstrap.sh` first: it installs make itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
ARCH := $(shell uname -m)

# Debian packages, by what needs them; adding one is a one-line change.
# A venv needs python3-venv on Debian.
BASE_PKGS := python3 python3-venv
# Qt offscreen needs these; a real window also needs the xcb set.
QT_PKGS := libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0
XCB_PKGS := libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
            libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1
SCREEN_PKGS := xvfb xauth
# The Prometheus source is tested against a real server on loopback; service, persistence,
# CLI and health tests also run on a throw-away PostgreSQL server (tests/pg.py).
TEST_PKGS := prometheus postgresql poppler-utils
# make package: PyInstaller bundles libpython (Debian ships it apart from python3)
# and strips with binutils; the checks validate the .desktop file and the
# metainfo, and run the bundle in a network namespace (unshare).
PACKAGE_PKGS := libpython3-dev binutils desktop-file-utils appstream util-linux
FRESH_PKGS := debootstrap git

# One way to install missing system packages (root, sudo or a clear error; waits for the dpkg lock).
define apt_ensure
	@sh bootstrap.sh $(1)
endef


.PHONY: run test test-without-qt lint bench bench-scale screenshots package check-package cold-start fresh-check \
        sysdeps-base sysdeps-qt sysdeps-test sysdeps-xcb sysdeps-package clean

sysdeps-base:
	$(call apt_ensure,$(BASE_PKGS))

sysdeps-qt:
	$(call apt_ensure,$(BASE_PKGS) $(QT_PKGS))

sysdeps-test:
	$(call apt_ensure,$(BASE_PKGS) $(QT_PKGS) $(TEST_PKGS))

sysdeps-xcb:
	$(call apt_ensure,$(BASE_PKGS) $(QT_PKGS) $(XCB_PKGS))

sysdeps-package:
	$(call apt_ensure,$(BASE_PKGS) $(QT_PKGS) $(XCB_PKGS) $(PACKAGE_PKGS))

$(STAMP): pyproject.toml | sysdeps-base
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $(STAMP)

# RUN_ARGS=--smoke: a self-test that opens the window, renders every panel and exits.
run: sysdeps-xcb $(STAMP)
	$(BIN)/commandcenter gui --demo $(RUN_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: sysdeps-test $(STAMP) lint test-without-qt
	QT_QPA_PLATFORM=offscreen COMMANDCENTER_REQUIRE_PROMETHEUS=1 COMMANDCENTER_REQUIRE_POSTGRES=1 \
	    $(BIN)/python -m pytest -q -n auto

# Like napari's CI job: everything below ui/ must import and pass with Qt absent.
# Its requirements are pyproject's, less everything Qt (.ci/requirements_without_qt.py).
NOQT := .venv-noqt
NOQT_STAMP := $(NOQT)/.installed
$(NOQT_STAMP): pyproject.toml | sysdeps-base
	test -x $(NOQT)/bin/python || $(PYTHON) -m venv $(NOQT)
	$(NOQT)/bin/python -m pip install -q --upgrade pip
	$(NOQT)/bin/python .ci/requirements_without_qt.py > $(NOQT)/requirements.txt
	$(NOQT)/bin/python -m pip install -q -r $(NOQT)/requirements.txt
	$(NOQT)/bin/python -m pip install -q --no-deps -e .
	touch $(NOQT_STAMP)

# The approval state machine runs its 500 examples in the main run; here it only has to
# import and run without Qt.
test-without-qt: $(NOQT_STAMP)
	! $(NOQT)/bin/python -c "import PySide6" 2>/dev/null
	COMMANDCENTER_STATE_MACHINE_EXAMPLES=50 COMMANDCENTER_CRASH_KILLS=30 COMMANDCENTER_TEST_BACKENDS=sqlite \
	    $(NOQT)/bin/python -m pytest -q -n auto -p no:cacheprovider \
	    tests/domain tests/services \
	    tests/persistence tests/cli -W "ignore::pytest.PytestConfigWarning"

# Crash safety, longer than make test's 300 kills: 2,000 SIGKILLs of a writer doing real
# work (tests/crash_harness.py); prints kills, reported and lost commits (soak-report.json).
.PHONY: soak
soak: $(STAMP)
	$(BIN)/python -m tests.crash_harness --kills 2000 --json soak-report.json

bench: sysdeps-qt $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.benchmarks.run_all --json bench-report.json

# 200,000,000-profile snapshots generated on disk (about 5 GB, removed after).
bench-scale: $(STAMP)
	$(BIN)/python -m tests.benchmarks.bench_scale --json bench-scale-report.json

screenshots: sysdeps-xcb $(STAMP)
	$(call apt_ensure,$(SCREEN_PKGS))
	for shots in screenshots screenshots_drill screenshots_first_hour; do \
	    xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python -m commandcenter.ui.$$shots \
	        packaging/screenshots || exit 1; \
	done

# The one-folder bundle, built from a normal (non-editable) install of the
# checkout in its own venv, and a .tar.gz of it (packaging/README.md).
PKG_VENV := .venv-package
PKG_STAMP := $(PKG_VENV)/.installed
PYINSTALLER := pyinstaller>=6.10,<7
BUNDLE := dist/commandcenter
TARBALL := dist/commandcenter-$(VERSION)-linux-$(ARCH).tar.gz
$(PKG_STAMP): pyproject.toml | sysdeps-base
	test -x $(PKG_VENV)/bin/python || $(PYTHON) -m venv $(PKG_VENV)
	$(PKG_VENV)/bin/python -m pip install -q --upgrade pip
	$(PKG_VENV)/bin/python -m pip install -q '$(PYINSTALLER)' '.[postgres]'
	touch $(PKG_STAMP)

package: sysdeps-package $(PKG_STAMP)
	$(PKG_VENV)/bin/python -m pip install -q --no-deps --force-reinstall .
	rm -rf $(BUNDLE) $(TARBALL)
	$(PKG_VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist \
	    --workpath build/pyinstaller packaging/commandcenter.spec
	mkdir -p $(BUNDLE)/share/applications $(BUNDLE)/share/metainfo $(BUNDLE)/share/icons
	cp packaging/linux/*.desktop $(BUNDLE)/share/applications/
	cp packaging/linux/*.metainfo.xml $(BUNDLE)/share/metainfo/
	cp -r packaging/icons/hicolor $(BUNDLE)/share/icons/
	cp packaging/linux/install.sh $(BUNDLE)/
	tar -C dist -czf $(TARBALL) commandcenter
	@du -sh $(BUNDLE) $(TARBALL)

# The bundle's smoke test (offscreen, no network) and the .desktop/metainfo validators.
check-package: sysdeps-package $(STAMP)
	COMMANDCENTER_CHECK_PACKAGE=1 QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q \
	    -p no:cacheprovider -m package tests/packaging

# Median of 10 cold starts of the bundle to a painted window (drops the page cache as root).
cold-start: sysdeps-package
	QT_QPA_PLATFORM=offscreen $(PYTHON) packaging/cold_start.py $(BUNDLE) 10

# `make run` and `make test` from a debootstrapped minimal Debian 12 (as root; slow).
fresh-check:
	$(call apt_ensure,$(FRESH_PKGS))
	bash .ci/fresh-check

clean:
	rm -rf $(VENV) $(NOQT) $(PKG_VENV) build dist *.egg-info .pytest_cache .ruff_cache
