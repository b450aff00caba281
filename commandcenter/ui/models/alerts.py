"""The alerts list as a table model: firing first, updated in place, only visible rows drawn.

A refresh that keeps the same alerts in the same order (the usual live tick:
an alert acknowledged, a peak raised) changes only the rows that differ; any
other refresh resets the model, which costs nothing per row because the view
asks ``data()`` for the rows on screen only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from ..timefmt import full_text, local_text
from .table import Index, RowsModel

COLUMNS = ("State", "Level", "Series", "Detector", "Since", "Handled")
SINCE = COLUMNS.index("Since")
AlertIdRole = Qt.ItemDataRole.UserRole + 2
FIRING_COLOUR = {"critical": QColor("#c0392b"), "warning": QColor("#b9770e")}


def firing_first(alerts: Sequence[Any]) -> list[Any]:
    """Firing before resolved, newest onset first within each."""
    return sorted(alerts, key=lambda a: (a.state != "firing", -a.onset_at.timestamp(), -a.id))


def handled_text(alert: Any) -> str:
    if alert.incident_id is not None:
        return f"incident #{alert.incident_id}"
    if alert.acknowledged_by:
        return f"ack {alert.acknowledged_by}"
    return "-"


class AlertsTableModel(RowsModel[Any]):
    COLUMNS = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._texts: list[tuple[str, ...]] = []
        self._row_of: dict[int, int] = {}

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        rows = firing_first(alerts)
        if [a.id for a in rows] == [a.id for a in self._rows]:
            old = self._rows
            self._rows = rows
            for r, (a, b) in enumerate(zip(old, rows, strict=True)):
                if a != b:
                    self._texts[r] = _texts(b)
                    self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self._texts = [()] * len(rows)  # filled when first drawn
        self._row_of = {a.id: i for i, a in enumerate(rows)}
        self.endResetModel()

    def row_of(self, alert_id: int) -> int:
        return self._row_of.get(alert_id, -1)

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            r = self._row_of[row.id]
            if not self._texts[r]:
                self._texts[r] = _texts(row)
            return self._texts[r][column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return full_text(row.onset_at) if column == SINCE else row.evidence
        if role == Qt.ItemDataRole.ForegroundRole and row.state == "firing" and column < 2:
            return FIRING_COLOUR.get(row.level, FIRING_COLOUR["warning"])
        if role == AlertIdRole:
            return row.id
        return None

    def text(self, row: int, column: int) -> str:
        return str(self.data(self.index(row, column, QModelIndex())) or "")


def _texts(a: Any) -> tuple[str, ...]:
    return (a.state, a.level, a.series, a.detector.replace("_", " "), local_text(a.onset_at),
            handled_text(a))


__all__ = ["COLUMNS", "AlertIdRole", "AlertsTableModel", "Index", "firing_first", "handled_text"]
