"""The ranked mentions as a table: priority first, with the data check beside the text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from .table import RowsModel

COLUMNS = ("Priority", "State", "Channel", "Author", "Reach", "Mention", "Our data")
CONFIRMED = QColor("#c0392b")
DONE = QColor("#7f8c8d")


def reach_text(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return f"{n:,}"


def state_text(m: Any) -> str:
    # A StrEnum compares with its value: no import of the mentions domain (and NumPy)
    # while the window is built, before its first paint.
    if m.state == "assigned" and m.assigned_to:
        return f"assigned: {m.assigned_to}"
    return m.state.value.replace("_", " ")


class MentionsTableModel(RowsModel[Any]):
    COLUMNS = COLUMNS

    def cell(self, m: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (f"{m.priority:.0f}", state_text(m), m.channel, m.author,
                    reach_text(m.reach), " ".join(m.text.split()),
                    m.data_check or "no profile found")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(m.reasons)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not m.state.is_open:
                return DONE
            if column == 6 and m.confirmed:
                return CONFIRMED
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
