"""Contacts: availability now and next, reachability, each one's local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ..timefmt import full_text, in_zone, local_text
from .table import RowsModel

NAME, NOW, REACHABLE, NEXT, LOCAL = range(5)


class ContactsModel(RowsModel[Any]):
    COLUMNS = ("Name", "Now", "Reachable", "Next change", "Local time")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._now: datetime | None = None

    def set_now(self, now: datetime) -> None:
        """Move the local-time column on; availability itself is re-read by the panel.

        Only when a clock shown moved: the panel calls this on every re-read."""
        before = self._local_texts()
        self._now = now
        if self._rows and self._local_texts() != before:
            self.dataChanged.emit(self.index(0, LOCAL), self.index(len(self._rows) - 1, LOCAL))

    def _local_texts(self) -> tuple[str, ...]:
        if self._now is None:
            return ()
        return tuple(in_zone(self._now, s.contact.timezone) for s in self._rows)

    def cell(self, s: Any, column: int, role: int) -> Any:
        a = s.availability
        if role == Qt.ItemDataRole.DisplayRole:
            if column == NAME:
                return s.contact.name
            if column == NOW:
                return a.status.label
            if column == REACHABLE:
                return "yes" if a.reachable else "NO"
            if column == NEXT:
                return local_text(s.next_change) if s.next_change else "-"
            if column == LOCAL:
                return in_zone(self._now, s.contact.timezone) if self._now else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NOW:
                return a.describe()
            if column == NEXT:
                return full_text(s.next_change) if s.next_change else "no change planned"
            if column == LOCAL:
                zone = s.contact.timezone
                return f"{zone}: {full_text(self._now, zone)}" if self._now else zone
            if column == NAME:
                role = f"operator: {s.role.value}" if s.role else "not an operator"
                return "\n".join(x for x in (s.contact.title, role, s.contact.email,
                                             s.contact.phone, s.contact.handle) if x)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == REACHABLE and not a.reachable:
                return QColor("#c0392b")
            if column == NOW and not a.can_act:
                return QColor("#c0392b")
        return None
