"""The filter bar of a table panel: a text filter, then state filters, in one row.

The commitments and change-calendar panels filter their rows as you type or
choose, and Ctrl+F anywhere in the panel goes to the panel's own text filter
(:class:`FindGoesToFilter`). The listening panel's search is a query, run on
Enter, so it shares only the text field (:func:`text_filter`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

from .timeline_panel import labelled


class FindGoesToFilter(QObject):
    """Ctrl+F (StandardKey.Find) inside a panel goes to the panel's own filter.

    The window's Find action (the timeline filter) would otherwise take it: the
    event is claimed at ShortcutOverride, then handled as a key press here.
    """

    def __init__(self, target: QLineEdit, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.target = target

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(
                event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Find):
            event.accept()
            if kind == QEvent.Type.KeyPress:
                self.target.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self.target.selectAll()
            return True
        return False


def text_filter(name: str, tip: str, placeholder: str = "Filter…") -> QLineEdit:
    """The text field of a filter bar: its accessible name and tooltip, a clear button."""
    edit = labelled(QLineEdit(), name, tip)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(True)
    return edit


class FilterBar:
    """``text`` (stretching) and ``states`` in a row; any change to them calls ``changed``.

    ``layout`` goes into the panel's; :meth:`route_find` sends Ctrl+F from the
    panel's other widgets to ``text`` (the filter object is ``find_key``).
    """

    def __init__(self, owner: QWidget, text: QLineEdit, *states: QComboBox | QCheckBox,
                 changed: Callable[[], None]) -> None:
        text.textChanged.connect(lambda _t: changed())
        for w in states:  # connected once filled: filling them filters nothing
            if isinstance(w, QCheckBox):
                w.toggled.connect(lambda _on: changed())
            else:
                w.currentIndexChanged.connect(lambda _i: changed())
        self.layout = QHBoxLayout()
        self.layout.addWidget(text, 1)
        for w in states:
            self.layout.addWidget(w)
        self.find_key = FindGoesToFilter(text, owner)

    def route_find(self, *widgets: QWidget) -> None:
        for w in widgets:
            w.installEventFilter(self.find_key)
