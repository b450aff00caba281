"""Help > Keyboard shortcuts lists what the menus really bind."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import sign_in, wait_idle


def test_f1_lists_every_bound_action(qtbot, window):  # type: ignore[no-untyped-def]
    sign_in(qtbot, window, "Alex Moreau")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: getattr(window, "shortcuts_dialog", None) is not None
                    and window.shortcuts_dialog.isVisible())
    table = window.shortcuts_dialog.table
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["New incident"] == "Ctrl+Shift+N"
    assert rows["Keyboard shortcuts"] == "F1"
    bound = [a for a in window.actions_by_name.values() if not a.shortcut().isEmpty()]
    assert len(rows) >= len(bound)
