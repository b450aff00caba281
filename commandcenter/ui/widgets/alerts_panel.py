"""Score-health alerts, firing first: acknowledge, open an incident, show on the chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.incidents import Severity
from commandcenter.domain.operators import Action

from ..session import Session
from ..timefmt import local_text
from .timeline_panel import compact_rows, labelled

COLUMNS = ("State", "Level", "Series", "Detector", "Since", "Handled")
AlertRole = Qt.ItemDataRole.UserRole + 1
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


class AlertsPanel(QWidget):
    sig_alert_chosen = Signal(object)  # AlertView: show it on the chart

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.alerts: list[Any] = []
        self._build()
        session.sig_operator_changed.connect(lambda _op: self._update_controls())

    def _build(self) -> None:
        self.table = labelled(QTableWidget(0, len(COLUMNS)), "Score health alerts",
                              "Firing alerts first; select one to show it on its chart")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.currentCellChanged.connect(self._on_current)
        self.table.cellActivated.connect(lambda _r, _c: self._choose())
        self.ack_button = labelled(QPushButton("Ac&knowledge"), "Acknowledge alert",
                                   "Record that you have seen the selected alert")
        self.ack_button.clicked.connect(self.acknowledge)
        self.severity_combo = labelled(QComboBox(), "Severity of the new incident")
        for sev in Severity:
            self.severity_combo.addItem(sev.value, sev)
        self.severity_combo.setCurrentIndex(1)
        self.open_button = labelled(QPushButton("&Open incident from alert"),
                                    "Open incident from alert",
                                    "Open an incident detected when the alert began")
        self.open_button.clicked.connect(self.open_incident)
        row = QHBoxLayout()
        row.addWidget(self.ack_button)
        row.addStretch(1)
        row.addWidget(self.severity_combo)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        # What the detector saw, in words, for the selected alert.
        self.evidence = labelled(QLabel(), "Alert evidence")
        self.evidence.setWordWrap(True)
        self.evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.evidence)
        layout.addLayout(row)
        self._update_controls()

    # --- showing ------------------------------------------------------------------
    def set_alerts(self, alerts: Sequence[Any]) -> None:
        chosen = self.current()
        self.alerts = firing_first(alerts)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.alerts))
        for r, a in enumerate(self.alerts):
            cells = (a.state, a.level, a.series, a.detector.replace("_", " "),
                     local_text(a.onset_at), handled_text(a))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(AlertRole, a.id)
                item.setToolTip(a.evidence)
                if a.state == "firing" and c < 2:
                    item.setForeground(FIRING_COLOUR.get(a.level, FIRING_COLOUR["warning"]))
                self.table.setItem(r, c, item)
        row = next((i for i, a in enumerate(self.alerts)
                    if chosen is not None and a.id == chosen.id), -1)
        self.table.setCurrentCell(row, 0) if row >= 0 else self.table.clearSelection()
        self.table.blockSignals(False)
        self._update_controls()

    def current(self) -> Any | None:
        row = self.table.currentRow()
        return self.alerts[row] if 0 <= row < len(self.alerts) else None

    def select_alert(self, alert_id: int) -> None:
        row = next((i for i, a in enumerate(self.alerts) if a.id == alert_id), -1)
        if row >= 0:
            self.table.setCurrentCell(row, 0)

    def _on_current(self, *_args: object) -> None:
        self._update_controls()
        self._choose()

    def _choose(self) -> None:
        alert = self.current()
        if alert is not None:
            self.sig_alert_chosen.emit(alert)

    def _update_controls(self) -> None:
        alert, op = self.current(), self.session.operator
        self.evidence.setText(alert.evidence if alert is not None else "")
        can_ack = self.session.may(Action.ACK_ALERT)
        can_open = self.session.may(Action.RUN_INCIDENT)
        self.ack_button.setEnabled(can_ack and alert is not None
                                   and alert.acknowledged_at is None)
        self.open_button.setEnabled(can_open and alert is not None
                                    and alert.incident_id is None)
        self.severity_combo.setEnabled(can_open)
        role = op.role.value if op is not None else None
        self.ack_button.setToolTip("Sign in to acknowledge alerts" if op is None else
                                   f"A {role} may not acknowledge alerts" if not can_ack
                                   else "Record that you have seen the selected alert")
        self.open_button.setToolTip("Sign in to open incidents" if op is None else
                                    f"A {role} may not open incidents" if not can_open
                                    else "Open an incident detected when the alert began")

    # --- acting -------------------------------------------------------------------
    def acknowledge(self) -> None:
        alert = self.current()
        if alert is None or not self.ack_button.isEnabled():
            return
        health = self.session.services.health
        try:
            actor = self.session.actor()
        except Exception as exc:
            self.session.report(exc)
            return
        self.session.write(lambda: health.acknowledge_alert(alert.id, actor),
                           success=f"Alert #{alert.id} acknowledged")

    def open_incident(self) -> None:
        alert = self.current()
        if alert is None or not self.open_button.isEnabled():
            return
        health, severity = self.session.services.health, Severity(self.severity_combo.currentData())
        try:
            actor = self.session.actor()
        except Exception as exc:
            self.session.report(exc)
            return
        self.session.write(lambda: health.open_incident_from_alert(alert.id, actor, severity),
                           self.session.set_incident,
                           success=f"Incident opened from alert #{alert.id}")
