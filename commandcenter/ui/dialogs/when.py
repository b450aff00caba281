"""Date-time editing in the viewer's local zone, stored as UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QLocale
from PySide6.QtWidgets import QDateTimeEdit, QWidget

from ..timefmt import full_text


def to_qt(t: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(t.timestamp()))


def from_qt(q: QDateTime) -> datetime:
    return datetime.fromtimestamp(q.toSecsSinceEpoch(), UTC)


def date_time_edit(t: datetime, name: str, parent: QWidget | None = None) -> QDateTimeEdit:
    edit = QDateTimeEdit(to_qt(t), parent)
    edit.setCalendarPopup(True)
    edit.setLocale(QLocale.c())  # English month names, like every other date shown
    edit.setDisplayFormat("dd MMM yyyy HH:mm")
    edit.setAccessibleName(name)
    def tip(q: QDateTime) -> None:
        edit.setToolTip(f"{name}, in your local time zone: {full_text(from_qt(q))}")

    edit.dateTimeChanged.connect(tip)
    tip(edit.dateTime())
    return edit
