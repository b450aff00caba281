"""UI fixtures: settings redirected to a temp dir, a populated database, the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from commandcenter.app import Services
from commandcenter.ui.main_window import MainWindow
from commandcenter.ui.palette import apply_scheme
from tests.ui.fixtures import PASSPHRASE, load_sample

# Waits are hang guards, not speed limits: generous, so a busy CI machine never flakes.
IDLE_MS = 120_000


@pytest.fixture(autouse=True)
def qsettings_in_tmp(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def company(services: Services) -> Services:
    """The sample company (fast passphrases, simulated clock)."""
    load_sample(services)
    return services


def wait_idle(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(window.tasks.idle, timeout=IDLE_MS)


@pytest.fixture
def window(qtbot, qapp, company: Services) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    apply_scheme(qapp, Qt.ColorScheme.Light)
    w = MainWindow(company)
    qtbot.addWidget(w)
    w.show()
    w.start(sign_in=False)
    # The first screen (then the hidden panels, read after it) before a test begins.
    qtbot.waitUntil(lambda: w.first_screen and w.tasks.idle(), timeout=IDLE_MS)
    yield w
    wait_idle(qtbot, w)
    w.close()


def sign_in(qtbot, window: MainWindow, name: str, passphrase: str = PASSPHRASE) -> None:  # type: ignore[no-untyped-def]
    dlg = window.open_sign_in()
    wait_idle(qtbot, window)
    dlg.choose(name)
    dlg.passphrase_edit.setText(passphrase)
    qtbot.mouseClick(dlg.ok_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform plugin warns whenever a top-level window's size
    # constraints change (docks, dialogs); it is a limitation of that plugin.
    ignore = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
    for item in items:
        if "tests/ui" in str(item.path).replace("\\", "/"):
            item.add_marker(ignore)
