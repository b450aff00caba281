"""The incident list, with status changes along allowed transitions and hand-over."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.incidents import IncidentStatus, format_duration
from commandcenter.domain.operators import Action, may

from ..models.incidents import IncidentListModel
from ..models.table import RowRole
from ..session import Session
from .timeline_panel import compact_rows, labelled


def commitments_line(inc: Any) -> str:
    """The incident's promises, part of its response figures."""
    c = getattr(inc, "commitments", None)
    if c is None or not c.made:
        return ""
    broken = f" · <span style='color:#c0392b'>{c.broken} broken</span>" if c.broken else ""
    late = f" · {c.kept_late} kept late" if c.kept_late else ""
    return (f"<br>commitments {c.made}: {c.open} open · {c.kept_on_time} kept on time"
            f"{late}{broken}")


class IncidentsPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = IncidentListModel(self)
        self.hand_over_dialog: QInputDialog | None = None
        self.loaded = False  # the list has been read once
        self._build()
        session.sig_data_changed.connect(self.reload)
        session.sig_operator_changed.connect(lambda _op: self._update_controls())
        session.sig_incident_changed.connect(self._on_incident)

    def _build(self) -> None:
        self.table = labelled(QTableView(), "Incidents", "Select an incident to open it")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_rows(self.table)
        # Widths fitted when the rows change, never ResizeToContents: that measures
        # every cell again on each re-read, twice a second while a drill runs.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)

        self.summary = QLabel("No incident selected")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Incident summary")
        self.status_combo = labelled(QComboBox(), "Next status",
                                     "Only the statuses allowed from the current one")
        self.status_button = labelled(QPushButton("Change &status"), "Change status")
        self.status_button.clicked.connect(self.change_status)
        self.hand_over_button = labelled(QPushButton("&Hand over command…"), "Hand over command",
                                         "Give command of this incident to another commander")
        self.hand_over_button.clicked.connect(self.open_hand_over)
        self.rename_button = labelled(QPushButton("Re&name…"), "Rename incident",
                                      "Put the title in words users would recognise; the "
                                      "change is recorded on the timeline")
        self.rename_button.clicked.connect(self.open_rename)
        row = QHBoxLayout()
        row.addWidget(self.status_combo, 1)
        row.addWidget(self.status_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        commands = QHBoxLayout()
        commands.addWidget(self.rename_button)
        commands.addWidget(self.hand_over_button, 1)
        layout.addLayout(commands)
        self._update_controls()

    def reload(self) -> None:
        self.session.read(self.session.services.incidents.list, self._loaded)

    def wanted_incident(self) -> int | None:
        """The incident the list has selected (the one the window is opening), or None."""
        row = self.table.currentIndex().row()
        if not 0 <= row < self.model.rowCount():
            return None
        return self.model.data(self.model.index(row, 0), RowRole).id

    def _loaded(self, incidents: list[Any]) -> None:
        self.loaded = True
        current = self.session.current_incident_id()
        self.table.selectionModel().blockSignals(True)
        changed = self.model.set_rows(incidents)
        self.table.selectionModel().blockSignals(False)
        if changed:
            self.table.resizeColumnsToContents()
        elif current is not None and self._selected_id() == current:
            return  # the same rows, the same incident selected: nothing to do
        if current is not None:
            self._select_row(self.model.find(lambda i: i.id == current))
        elif incidents:
            # Open the most recent open incident, which is what a commander wants first.
            open_first = self.model.find(lambda i: i.status.value not in ("resolved", "closed"))
            self._select_row(open_first if open_first >= 0 else 0)

    def _selected_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row()):
            return None
        return self.model.row_object(index.row()).id

    def _select_row(self, row: int) -> None:
        if row >= 0:
            self.table.selectRow(row)
            self.table.setCurrentIndex(self.model.index(row, 1))

    def select_incident(self, incident_id: int) -> None:
        self._select_row(self.model.find(lambda i: i.id == incident_id))

    def _on_row(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            inc = self.model.data(self.model.index(current.row(), 0), RowRole)
            if self.session.incident is None or self.session.incident.id != inc.id:
                self.session.select_incident(inc.id)

    def _on_incident(self, inc: Any) -> None:
        if inc is None:
            self.summary.setText("No incident selected")
        else:
            f = inc.figures
            self.summary.setText(
                f"<b>{inc.title}</b><br>{inc.severity.value} · {inc.status.value} · "
                f"commander {inc.commander or 'nobody'}{' · DRILL' if inc.drill else ''}<br>"
                f"declare {format_duration(f.time_to_declare)} · first ack "
                f"{format_duration(f.time_to_first_public_ack)} · explain "
                f"{format_duration(f.time_to_explanation)} · resolve "
                f"{format_duration(f.time_to_resolve)}" + commitments_line(inc))
        self._update_controls()

    def _update_controls(self) -> None:
        inc = self.session.incident
        self.status_combo.clear()
        for status in inc.allowed_next if inc else ():
            self.status_combo.addItem(status.value, status)
        op = self.session.operator
        runs = self.session.may(Action.RUN_INCIDENT)
        self.status_combo.setEnabled(runs and self.status_combo.count() > 0)
        self.status_button.setEnabled(runs and self.status_combo.count() > 0)
        self.hand_over_button.setEnabled(runs and inc is not None and inc.status.value != "closed")
        self.rename_button.setEnabled(runs and inc is not None and inc.status.value != "closed")
        why = "" if runs or op is None else f"A {op.role.value} may not run incidents"
        for w in (self.status_button, self.hand_over_button, self.rename_button):
            w.setToolTip(why or w.accessibleName())

    def change_status(self) -> None:
        inc, value = self.session.incident, self.status_combo.currentData()
        if inc is None or value is None:
            return
        status = IncidentStatus(value)
        actor, incidents = self.session.actor(), self.session.services.incidents
        self.session.write(lambda: incidents.change_status(inc.id, status, actor),
                           success=f"Incident {inc.id} is now {status.value}")

    def open_hand_over(self) -> None:
        inc = self.session.incident
        if inc is None:
            return
        self.session.read(self.session.services.roster.operators,
                          lambda ops: self._ask_hand_over(inc, ops))

    def _ask_hand_over(self, inc: Any, operators: list[Any]) -> None:
        names = [o.name for o in operators
                 if may(o.role, Action.RUN_INCIDENT) and o.name != inc.commander]
        if not names:
            self.session.sig_error.emit("hand over: no other operator may run incidents")
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Hand over command")
        dlg.setLabelText(f"Hand command of incident {inc.id} from "
                         f"{inc.commander or 'nobody'} to:")
        dlg.setComboBoxItems(names)
        dlg.setAccessibleName("Hand over command")
        dlg.textValueSelected.connect(lambda name: self.hand_over(inc.id, name))
        self.hand_over_dialog = dlg
        dlg.open()

    def hand_over(self, incident_id: int, name: str) -> None:
        actor, incidents = self.session.actor(), self.session.services.incidents
        self.session.write(lambda: incidents.hand_over(incident_id, name, actor),
                           success=f"Command handed over to {name}")

    def open_rename(self) -> None:
        inc = self.session.incident
        if inc is None or not self.rename_button.isEnabled():
            return
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Rename incident")
        dlg.setLabelText(f"A title for incident {inc.id} that users would recognise:")
        dlg.setTextValue(inc.title)
        dlg.setAccessibleName("Rename incident")
        dlg.textValueSelected.connect(lambda title: self.rename(inc.id, title))
        self.rename_dialog = dlg
        dlg.open()

    def rename(self, incident_id: int, title: str) -> None:
        actor, fh = self.session.actor(), self.session.services.first_hour
        self.session.write(lambda: fh.rename(incident_id, title, actor),
                           success=f"Incident {incident_id} renamed")
