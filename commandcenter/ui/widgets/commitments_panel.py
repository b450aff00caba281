"""Commitments: what was promised and by when; promises found in messages, offered to confirm.

Every open commitment across incidents, or the selected incident's alone;
filter by text and state. A message that promises something with a time
(submitted or published) is offered as a commitment, never applied: Confirm
takes it as parsed, Edit opens it in the dialog first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import Action

from ..dialogs.when import date_time_edit, from_qt
from ..models.table import RowsModel
from ..session import Session
from ..timefmt import full_text, local_text
from .filter_bar import FilterBar, text_filter
from .held_loads import HeldLoads
from .timeline_panel import labelled, row_table

FILTERS = ("all", "open", "overdue", "kept", "broken")
SWEEP_MS = 5000  # how often the clock is checked against the next due time
RELOAD_EVERY_TICKS = 12  # and, once a minute, the list read again
OVERDUE_BRUSH = QBrush(QColor("#c0392b"))
KEPT_BRUSH = QBrush(QColor("#1e8449"))


class CommitmentsModel(RowsModel[Any]):
    COLUMNS = ("#", "State", "Due", "Owner", "Incident", "Promise")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.now: datetime | None = None

    def state_text(self, c: Any) -> str:
        if c.state.value == "kept":
            return "kept late" if c.kept_late else "kept"
        if c.state.value == "open" and self.now is not None and c.overdue_at(self.now):
            return "OVERDUE"  # due passed; the sweep breaks it at its next look
        return c.state.value

    def cell(self, c: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(c.id), self.state_text(c), local_text(c.due_at), c.owner,
                    f"#{c.incident_id} {c.incident_title}" + (" [DRILL]" if c.drill else ""),
                    c.text)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            made = f"made by message #{c.message_id}" if c.message_id else "made by hand"
            kept = (f"; kept {full_text(c.kept_at)} by {c.kept_by}"
                    + (f" with message #{c.kept_message_id}" if c.kept_message_id else "")
                    if c.kept_at else "")
            return f"Due {full_text(c.due_at)}; {made}{kept}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            text = self.state_text(c)
            return OVERDUE_BRUSH if text in ("OVERDUE", "broken") else \
                KEPT_BRUSH if text.startswith("kept") else None
        return None


def matches(c: Any, text: str, state: str, now: datetime) -> bool:
    if state == "overdue" and not c.overdue_at(now):
        return False
    if state in ("open", "kept", "broken") and c.state.value != state:
        return False
    needle = text.strip().casefold()
    return not needle or needle in f"{c.text} {c.owner} {c.incident_title}".casefold()


class CommitmentDialog(QDialog):
    """A commitment's promise and due time, prefilled from a suggestion when there is one."""

    def __init__(self, text: str, due: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Commitment")
        self.setAccessibleName("Commitment")
        self.text_edit = labelled(QLineEdit(text), "What is promised")
        self.due_edit = date_time_edit(due, "Due")
        form = QFormLayout(self)
        form.addRow("&Promise:", self.text_edit)
        form.addRow("&Due:", self.due_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, datetime]:
        return self.text_edit.text(), from_qt(self.due_edit.dateTime())


class CommitmentsPanel(HeldLoads, QWidget):
    sig_offers_changed = Signal(int)  # how many promises wait to be confirmed

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = CommitmentsModel(self)
        self.all_rows: list[Any] = []
        self.offers: list[Any] = []
        self.dismissed: set[tuple[int, int]] = set()  # (message, phrase start) set aside here
        self._lists_shown: tuple[list[Any], list[Any]] | None = None  # offers, published
        self._overdue_shown: frozenset[int] = frozenset()
        self.next_due: datetime | None = None
        self._ticks = 0
        self.dialog: CommitmentDialog | None = None
        self._build()
        self.timer = QTimer(self, interval=SWEEP_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        session.sig_data_changed.connect(self.reload)
        session.sig_incident_changed.connect(lambda _inc: self.reload())
        session.sig_operator_changed.connect(lambda _op: self._update_controls())

    def _build(self) -> None:
        self.filter_edit = text_filter("Filter commitments",
                                       "Show commitments whose promise, owner or incident "
                                       "contains this text (Ctrl+F)")
        self.state_combo = labelled(QComboBox(), "Commitment state filter")
        self.state_combo.addItems(FILTERS)
        self.scope_box = labelled(QCheckBox("This &incident only"), "Only the selected incident")
        bar = FilterBar(self, self.filter_edit, self.state_combo, self.scope_box,
                        changed=lambda: self._apply_filter())
        self.table = row_table(self.model, "Commitments",
                               "Soonest due first; Enter keeps the selected commitment",
                               (36, 76, 120, 110, 150))
        self.table.activated.connect(lambda _i: self.keep_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_controls())
        self.summary = labelled(QLabel(), "Commitment summary")
        self.add_button = labelled(QPushButton("&Add commitment…"), "Add commitment",
                                   "Record a promise made to the public, with its due time")
        self.add_button.clicked.connect(self.add_by_hand)
        self.keep_button = labelled(QPushButton("&Keep"), "Keep commitment",
                                    "Mark the selected commitment kept, by a published message")
        self.keep_button.clicked.connect(self.keep_selected)
        self.kept_by = labelled(QComboBox(), "Message that kept it",
                                "The published message that kept the promise")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("kept by:"))
        buttons.addWidget(self.kept_by)
        buttons.addWidget(self.keep_button)
        self.offer_label = QLabel("<b>Promises in messages</b> — confirm or edit; nothing is "
                                  "recorded until you do")
        self.offer_list = labelled(QListWidget(), "Suggested commitments",
                                   "Promises found in submitted or published messages")
        self.offer_list.setMaximumHeight(90)
        self.offer_list.itemActivated.connect(lambda _item: self.confirm_offer())
        self.confirm_button = labelled(QPushButton("C&onfirm"), "Confirm suggested commitment")
        self.confirm_button.clicked.connect(self.confirm_offer)
        self.edit_button = labelled(QPushButton("&Edit…"), "Edit suggested commitment")
        self.edit_button.clicked.connect(self.edit_offer)
        self.dismiss_button = labelled(QPushButton("&Set aside"), "Set the suggestion aside")
        self.dismiss_button.clicked.connect(self.dismiss_offer)
        offer_buttons = QHBoxLayout()
        for b in (self.confirm_button, self.edit_button, self.dismiss_button):
            offer_buttons.addWidget(b)
        offer_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(bar.layout)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.offer_label)
        layout.addWidget(self.offer_list)
        layout.addLayout(offer_buttons)
        self.find_key = bar.find_key
        bar.route_find(self.table, self.offer_list, self.state_combo, self.scope_box)
        self._update_controls()

    # --- loading ------------------------------------------------------------------
    def reload(self) -> None:
        if self.loads_held():
            return
        services, inc = self.session.services, self.session.incident

        def read() -> tuple[list[Any], list[Any], list[Any]]:
            rows = services.commitments.list()
            offers = services.commitments.offers(inc.id) if inc is not None else []
            published = ([m for m in services.messages.list(inc.id)
                          if m.state.value == "published"] if inc is not None else [])
            return rows, offers, published

        self.session.read(read, self._loaded)

    def _loaded(self, result: tuple[list[Any], list[Any], list[Any]]) -> None:
        rows, offers, published = result
        self.all_rows = rows
        open_due = [c.due_at for c in rows if c.state.value == "open"]
        self.next_due = min(open_due) if open_due else None
        fresh = [o for o in offers if (o.message_id, o.suggestion.start) not in self.dismissed]
        known = {(o.message_id, o.suggestion.start) for o in self.offers}
        if any((o.message_id, o.suggestion.start) not in known for o in fresh):
            o = next(o for o in fresh if (o.message_id, o.suggestion.start) not in known)
            self.session.sig_info.emit(f"Message #{o.message_id} promises "
                                       f"{o.suggestion.phrase!r}: confirm it in Commitments")
        same_lists = (fresh, published) == self._lists_shown
        self.offers = fresh
        if same_lists:  # a live re-read: the offers and the kept-by choices stand
            self._apply_filter()
            return
        self._lists_shown = (fresh, published)
        self.offer_list.clear()
        for o in fresh:
            item = QListWidgetItem(f"message #{o.message_id} ({o.message_state}): "
                                   f"{o.suggestion.text} — due {local_text(o.suggestion.due_at)}"
                                   f" (from “{o.suggestion.phrase}”)")
            item.setToolTip(f"Due {full_text(o.suggestion.due_at)}, read in {o.suggestion.zone}")
            self.offer_list.addItem(item)
        if fresh:
            self.offer_list.setCurrentRow(0)
        self.kept_by.clear()
        self.kept_by.addItem("(none)", None)
        for m in reversed(published):
            self.kept_by.addItem(f"#{m.id} {m.channel.value}: {m.body[:40]}", m.id)
        self.sig_offers_changed.emit(len(fresh))
        self._apply_filter()

    def _apply_filter(self) -> None:
        now = self.session.now()
        self.model.now = now
        inc = self.session.incident
        rows = [c for c in self.all_rows
                if matches(c, self.filter_edit.text(), self.state_combo.currentText(), now)
                and (not self.scope_box.isChecked() or (inc is not None
                                                        and c.incident_id == inc.id))]
        chosen = self.current()
        overdue_ids = frozenset(c.id for c in rows if c.state.value == "open"
                                and c.overdue_at(now))
        if not self.model.set_rows(rows) and rows and overdue_ids != self._overdue_shown:
            # The same rows, but the clock made some overdue: their colour changes.
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(
                len(rows) - 1, self.model.columnCount() - 1))
        self._overdue_shown = overdue_ids
        if chosen is not None:
            row = self.model.find(lambda c: c.id == chosen.id)
            if row >= 0:
                self.table.setCurrentIndex(self.model.index(row, 0))
        overdue = sum(c.overdue_at(now) for c in self.all_rows)
        opened = sum(c.state.value == "open" for c in self.all_rows)
        self.summary.setText(f"{len(rows)} shown · {opened} open · "
                             + (f"<span style='color:#c0392b'><b>{overdue} overdue</b></span>"
                                if overdue else "none overdue")
                             + (f" · next due {local_text(self.next_due)}"
                                if self.next_due else ""))
        self.summary.setToolTip(f"Next due {full_text(self.next_due)}" if self.next_due else "")
        self._update_controls()

    def tick(self) -> None:
        """The clock passed a due time: break it now (alert, timeline), as hand-overs are."""
        self._ticks += 1
        if self._ticks % RELOAD_EVERY_TICKS == 0:
            self.reload()  # commitments recorded elsewhere (the CLI, another workstation)
        if self.next_due is None or self.session.now() < self.next_due:
            return
        self.next_due = None
        commitments = self.session.services.commitments
        self.session.write(commitments.sweep, self._swept)

    def _swept(self, broken: list[Any]) -> None:
        for c in broken:
            self.session.sig_error.emit(f"Commitment #{c.id} is overdue: {c.text} (due "
                                        f"{local_text(c.due_at)}, {c.owner})")

    # --- acting -----------------------------------------------------------------------
    def current(self) -> Any | None:
        row = self.table.currentIndex().row()
        return self.model.row_object(row) if 0 <= row < self.model.rowCount() else None

    def _update_controls(self) -> None:
        can = self.session.may(Action.DRAFT)
        c = self.current()
        self.add_button.setEnabled(can and self.session.incident is not None)
        self.keep_button.setEnabled(can and c is not None and c.state.value != "kept")
        has_offer = bool(self.offers) and self.offer_list.currentRow() >= 0
        for b in (self.confirm_button, self.edit_button):
            b.setEnabled(can and has_offer)
        self.dismiss_button.setEnabled(has_offer)
        self.offer_label.setVisible(bool(self.offers))
        self.offer_list.setVisible(bool(self.offers))
        for b in (self.confirm_button, self.edit_button, self.dismiss_button):
            b.setVisible(bool(self.offers))

    def _actor(self) -> str | None:
        try:
            return self.session.actor()
        except Exception as exc:
            self.session.report(exc)
            return None

    def _add(self, incident_id: int, text: str, due: datetime, message_id: int | None) -> None:
        actor = self._actor()
        if actor is None:
            return
        commitments = self.session.services.commitments
        self.session.write(lambda: commitments.add(incident_id, text, due, actor,
                                                   message_id=message_id),
                           success="Commitment recorded")

    def _offer(self) -> Any | None:
        row = self.offer_list.currentRow()
        return self.offers[row] if 0 <= row < len(self.offers) else None

    def confirm_offer(self) -> None:
        o, inc = self._offer(), self.session.incident
        if o is None or inc is None or not self.confirm_button.isEnabled():
            return
        self._add(inc.id, o.suggestion.text, o.suggestion.due_at, o.message_id)

    def edit_offer(self) -> CommitmentDialog | None:
        o, inc = self._offer(), self.session.incident
        if o is None or inc is None:
            return None
        return self._open_dialog(o.suggestion.text, o.suggestion.due_at, inc.id, o.message_id)

    def dismiss_offer(self) -> None:
        o = self._offer()
        if o is not None:
            self.dismissed.add((o.message_id, o.suggestion.start))
            self.reload()

    def add_by_hand(self) -> CommitmentDialog | None:
        inc = self.session.incident
        if inc is None or not self.add_button.isEnabled():
            return None
        from datetime import timedelta

        return self._open_dialog("", self.session.now() + timedelta(hours=1), inc.id, None)

    def _open_dialog(self, text: str, due: datetime, incident_id: int,
                     message_id: int | None) -> CommitmentDialog:
        dlg = CommitmentDialog(text, due, self)
        dlg.accepted.connect(lambda: self._add(incident_id, *dlg.values(), message_id))
        self.dialog = dlg
        dlg.open()
        return dlg

    def keep_selected(self) -> None:
        c = self.current()
        if c is None or not self.keep_button.isEnabled():
            return
        actor = self._actor()
        if actor is None:
            return
        inc = self.session.incident
        # The list holds the selected incident's published messages only.
        message_id = self.kept_by.currentData() if inc and inc.id == c.incident_id else None
        commitments = self.session.services.commitments
        self.session.write(lambda: commitments.keep(c.id, actor, message_id=message_id),
                           success=f"Commitment #{c.id} kept")


__all__ = ["CommitmentDialog", "CommitmentsPanel"]
