"""Help > Keyboard shortcuts: read from the window's own actions, so it cannot go stale."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# Keys that are not menu actions but work in the panels.
PANEL_KEYS = (
    ("Add the note or decision being typed", "Ctrl+Return"),
    ("Move between controls", "Tab / Shift+Tab"),
    ("Pan / zoom the focused chart", "Arrow keys / + and -"),
)


# Dedicated keys of some keyboards (a "Find" key, a "Save" key): true but noise here.
_DEDICATED = frozenset({"Find", "New", "Save", "Refresh", "Open", "Copy", "Paste", "Cut",
                        "Undo", "Redo", "Help", "Close", "Back", "Forward"})


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    rows = []
    for action in actions:
        names = (k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                 if not k.isEmpty())
        keys = ", ".join(n for n in names if n not in _DEDICATED)
        if keys:
            rows.append((action.text().replace("&", "").rstrip("…"), keys))
    return sorted(rows) + list(PANEL_KEYS)


class ShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        rows = shortcut_rows(actions)
        self.table = QTableWidget(len(rows), 2)
        self.table.setAccessibleName("Shortcuts")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (name, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 560)
