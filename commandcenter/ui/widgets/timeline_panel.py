"""The selected incident's timeline: filter, add notes and decisions, correct entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import Action
from commandcenter.domain.timeline import EntryKind

from ..models.timeline import TEXT, TimelineQuery, TimelineTableModel
from ..session import Session

K = EntryKind
KIND_FILTERS: tuple[tuple[str, frozenset[EntryKind] | None], ...] = (
    ("All entries", None),
    ("Notes and decisions", frozenset({K.NOTE, K.DECISION})),
    ("Messages", frozenset({K.MESSAGE_DRAFTED, K.MESSAGE_EDITED, K.MESSAGE_SUBMITTED,
                            K.MESSAGE_APPROVED, K.MESSAGE_REJECTED, K.MESSAGE_PUBLISHED,
                            K.MESSAGE_WITHDRAWN})),
    ("Status, roles and chains", frozenset({K.DETECTION, K.DECLARATION, K.STATUS_CHANGE,
                                            K.ROLE_CHANGE, K.OWNERSHIP_CHANGE})),
    ("Corrections", frozenset({K.CORRECTION})),
    *((k.value.replace("_", " ").capitalize(), frozenset({k})) for k in EntryKind),
)
FILTER_DELAY_MS = 200  # filter as you type: query once typing pauses
MIN_FILTER_CHARS = 3  # shorter text matches too much to be worth a query
FILTER_HINT = f"type {MIN_FILTER_CHARS} or more characters to filter"
# Time, kind, actor, entry (stretched), correction: enough for "22 Nov 02:02",
# "message submitted" and a full name at the default font.
COLUMN_WIDTHS = (106, 130, 110, 300, 140)


class CtrlEnter(QObject):
    """Ctrl+Enter in a text editor runs ``action`` (plain Enter still starts a new line)."""

    def __init__(self, editor: QWidget, action: Callable[[], object]) -> None:
        super().__init__(editor)
        self._action = action
        editor.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self._action()
            return True
        return super().eventFilter(watched, event)


def compact_rows(view: QTableView) -> None:
    """Fixed, text-sized rows and no vertical header: cheap for very long tables."""
    header = view.verticalHeader()
    header.hide()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setDefaultSectionSize(view.fontMetrics().height() + 8)


def row_table(model: Any, name: str, description: str, widths: tuple[int, ...]) -> QTableView:
    """A read-only table of whole rows, one selected at a time, with compact rows and
    user-resizable columns of these starting widths (the last one stretches)."""
    table = labelled(QTableView(), name, description)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    compact_rows(table)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    header.setStretchLastSection(True)
    return table


def labelled(widget: QWidget, name: str, description: str = "") -> QWidget:
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
        widget.setToolTip(description)
    return widget


class TimelinePanel(QWidget):
    sig_entry_added = Signal(object)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = TimelineTableModel(session.services, session.tasks, parent=self)
        self.correct_dialog: QInputDialog | None = None
        self._incident_id: int | None = None
        self._build()
        session.sig_incident_changed.connect(self._on_incident)
        session.sig_operator_changed.connect(lambda _op: self._update_enabled())
        session.sig_data_changed.connect(self.model.refresh)
        self.model.sig_loaded.connect(self._update_count)
        self.model.rowsInserted.connect(lambda *_: self._update_count(self.model.total))

    def _build(self) -> None:
        self.filter_edit = labelled(QLineEdit(), "Filter timeline",
                                    "Show entries whose text or actor contains this")
        self.filter_edit.setPlaceholderText("Filter timeline as you type")
        self.filter_edit.setClearButtonEnabled(True)
        self.kind_combo = labelled(QComboBox(), "Entry kind filter", "Show only these kinds")
        for label, _kinds in KIND_FILTERS:
            self.kind_combo.addItem(label)
        self.pinned_check = labelled(QCheckBox("&Pinned first"), "Pinned entries first",
                                     "Key events (pinned, highlighted) at the top")
        self.count_label = QLabel("No incident selected")
        self.count_label.setAccessibleName("Timeline entries shown")
        self.filter_hint = QLabel(FILTER_HINT)
        self.filter_hint.setAccessibleName("Filter hint")
        self.filter_hint.hide()
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(self._filter_typed)
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.pinned_check.toggled.connect(lambda _b: self._apply_filter())
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 3)
        top.addWidget(self.filter_hint)
        top.addWidget(self.kind_combo, 1)
        top.addWidget(self.pinned_check)
        top.addWidget(self.count_label)

        self.table = labelled(QTableView(), "Timeline entries",
                              "Times in your local zone; hover a time for UTC")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_rows(self.table)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        # Set widths, never ResizeToContents: that would read every row of a huge
        # timeline. The entry takes whatever width is left; its tooltip has it all.
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        for col, width in enumerate(COLUMN_WIDTHS):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_enabled())

        self.entry_kind = labelled(QComboBox(), "New entry kind", "Note or decision")
        self.entry_kind.addItem("Note", EntryKind.NOTE)
        self.entry_kind.addItem("Decision", EntryKind.DECISION)
        self.entry_edit = labelled(QPlainTextEdit(), "New timeline entry",
                                   "Type a note or decision; Ctrl+Enter adds it")
        self.entry_edit.setPlaceholderText("Note or decision for the timeline (Ctrl+Enter adds)")
        self.entry_edit.setTabChangesFocus(True)
        self.entry_edit.setFixedHeight(58)
        self.add_button = labelled(QPushButton("&Add entry"), "Add timeline entry",
                                   "Add the note or decision (Ctrl+Enter)")
        self.add_button.clicked.connect(self.add_entry)
        self.correct_button = labelled(QPushButton("C&orrect selected…"), "Correct entry",
                                       "Record a correction; the original stays, struck through")
        self.correct_button.clicked.connect(self.open_correction)
        self._submit_keys = CtrlEnter(self.entry_edit, self.add_entry)
        buttons = QVBoxLayout()
        buttons.addWidget(self.entry_kind)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.correct_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.entry_edit, 1)
        bottom.addLayout(buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self._update_enabled()

    # --- reacting -----------------------------------------------------------
    def _on_incident(self, incident: Any) -> None:
        new_id = incident.id if incident is not None else None
        if new_id != self._incident_id:
            self._incident_id = new_id
            self.model.set_incident(new_id)
        self._update_enabled()

    def _filter_typed(self, text: str) -> None:
        self.filter_hint.setVisible(0 < len(text.strip()) < MIN_FILTER_CHARS)  # at once
        self._filter_timer.start()  # the query waits for a pause in typing

    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        kinds = KIND_FILTERS[max(0, self.kind_combo.currentIndex())][1]
        text = self.filter_edit.text().strip()
        too_short = 0 < len(text) < MIN_FILTER_CHARS
        self.filter_hint.setVisible(too_short)
        self.model.set_query(TimelineQuery("" if too_short else text, kinds,
                                           self.pinned_check.isChecked()))

    def _update_count(self, total: int) -> None:
        if self._incident_id is None:
            self.count_label.setText("No incident selected")
        elif self.model.total_exact:
            self.count_label.setText(f"{self.model.rowCount():,} of {total:,} shown")
        else:  # a text filter's count stops early: the total is a lower bound
            self.count_label.setText(
                f"{self.model.rowCount():,} of more than {max(total - 1, 0):,} shown")

    def _update_enabled(self) -> None:
        may_write = self.session.may(Action.WRITE_TIMELINE) and self._incident_id is not None
        why = "" if may_write else self._why_not()
        for w in (self.entry_edit, self.add_button, self.entry_kind):
            w.setEnabled(may_write)
        self.correct_button.setEnabled(may_write and self.selected_entry() is not None)
        self.entry_edit.setPlaceholderText(
            why or "Note or decision for the timeline (Ctrl+Enter adds)")

    def _why_not(self) -> str:
        op = self.session.operator
        if op is None:
            return "Sign in to write to the timeline"
        if self.session.read_only:
            return "Read-only until the database server is back"
        if self._incident_id is None:
            return "Select an incident to write to its timeline"
        return f"A {op.role.value} sees the timeline but may not write to it"

    def selected_entry(self) -> Any:
        index = self.table.currentIndex()
        return self.model.entry(index.row()) if index.isValid() else None

    # --- writing ------------------------------------------------------------
    def add_entry(self) -> None:
        text = self.entry_edit.toPlainText().strip()
        if not text or self._incident_id is None or not self.add_button.isEnabled():
            return
        incident_id, kind, actor = self._incident_id, EntryKind(self.entry_kind.currentData()), \
            self.session.actor()
        incidents = self.session.services.incidents

        def added(entry: Any) -> None:
            self.entry_edit.clear()
            self.sig_entry_added.emit(entry)

        self.session.write(lambda: incidents.add_entry(incident_id, text, actor, kind=kind),
                           added, success=f"{kind.value.capitalize()} added to the timeline")

    def open_correction(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self.correct_button.isEnabled():
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Correct timeline entry")
        dlg.setLabelText(f"Correct entry {entry.seq} ({entry.kind.value}). The original stays "
                         "in the timeline, struck through.")
        dlg.setOption(QInputDialog.InputDialogOption.UsePlainTextEditForTextInput)
        dlg.setTextValue(entry.text)
        dlg.setAccessibleName("Correct timeline entry")
        dlg.textValueSelected.connect(lambda text: self.correct(entry, text))
        self.correct_dialog = dlg
        dlg.open()

    def correct(self, entry: Any, text: str) -> None:
        actor, incidents = self.session.actor(), self.session.services.incidents
        self.session.write(lambda: incidents.correct(entry.incident_id, entry.id, text, actor),
                           success=f"Entry {entry.seq} corrected")

    def focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()
