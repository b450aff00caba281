"""The incident list: status, severity, mode."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ..timefmt import full_text, local_text
from .table import RowsModel

SEVERITY_COLOURS = {"SEV1": QColor("#c0392b"), "SEV2": QColor("#d35400"),
                    "SEV3": QColor("#b7950b"), "SEV4": QColor("#7f8c8d")}


class IncidentListModel(RowsModel[Any]):
    COLUMNS = ("#", "Title", "Severity", "Status", "Detected", "Mode")

    def cell(self, inc: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(inc.id), inc.title, inc.severity.value, inc.status.value,
                    local_text(inc.detected_at), "DRILL" if inc.drill else "live")[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return full_text(inc.detected_at)
            if column == 1:
                return f"{inc.title}\ncommander: {inc.commander or 'nobody'}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 2:
            return SEVERITY_COLOURS.get(inc.severity.value)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and inc.drill:
            return QColor("#8e44ad")
        return None
