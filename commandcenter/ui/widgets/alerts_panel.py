"""Score-health alerts, firing first: acknowledge, open an incident, show on the chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.incidents import Severity
from commandcenter.domain.operators import Action

from ..models.alerts import AlertsTableModel, firing_first, handled_text
from ..session import Session
from ..timefmt import full_text, localise, unbroken_text
from .timeline_panel import labelled, row_table

# Fixed widths: measuring every cell to fit its contents is what froze the window.
WIDTHS = (64, 64, 120, 110, 140)

__all__ = ["AlertsPanel", "firing_first", "handled_text"]


class AlertsPanel(QWidget):
    sig_alert_chosen = Signal(object)  # AlertView: show it on the chart

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = AlertsTableModel(self)
        self.from_alert_dialog: Any = None
        self._build()
        session.sig_operator_changed.connect(lambda _op: self._update_controls())

    def _build(self) -> None:
        self.table = row_table(self.model, "Score health alerts",
                               "Firing alerts first; select one to show it on its chart", WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.activated.connect(lambda _index: self._choose())
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
    @property
    def alerts(self) -> list[Any]:
        """The alerts shown, firing first."""
        return self.model.rows()

    def set_alerts(self, alerts: Sequence[Any]) -> None:
        """Show these alerts; the selected one stays selected while it is among them."""
        chosen = self.current()
        self.table.selectionModel().blockSignals(True)
        self.model.set_alerts(alerts)
        row = self.model.row_of(chosen.id) if chosen is not None else -1
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        else:
            self.table.clearSelection()
            self.table.setCurrentIndex(self.model.index(-1, -1))
        self.table.selectionModel().blockSignals(False)
        self._update_controls()

    def current(self) -> Any | None:
        row = self.table.currentIndex().row()
        return self.model.row_object(row) if 0 <= row < self.model.rowCount() else None

    def select_alert(self, alert_id: int) -> None:
        row = self.model.row_of(alert_id)
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
            self.table.scrollTo(self.model.index(row, 0))

    def _on_current(self, *_args: object) -> None:
        self._update_controls()
        self._choose()

    def _choose(self) -> None:
        alert = self.current()
        if alert is not None:
            self.sig_alert_chosen.emit(alert)

    def _update_controls(self) -> None:
        alert, op = self.current(), self.session.operator
        self.evidence.setText(localise(alert.evidence, unbroken_text) if alert is not None else "")
        self.evidence.setToolTip(f"Onset {full_text(alert.onset_at)}\n\n{alert.evidence}"
                                 if alert is not None else "")
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
        """Ask for a title, severity and declaring, or offer the incident covering it."""
        alert = self.current()
        if alert is None or not self.open_button.isEnabled():
            return
        severity = Severity(self.severity_combo.currentData())
        fh = self.session.services.first_hour
        self.session.read(lambda: fh.proposal(alert.id),
                          lambda proposal: self._ask(alert, proposal, severity))

    def _ask(self, alert: Any, proposal: Any, severity: Severity) -> None:
        from ..dialogs.from_alert import FromAlertDialog

        dlg = FromAlertDialog(self.session, alert, proposal, severity, self)
        dlg.sig_done.connect(self.session.set_incident)
        self.from_alert_dialog = dlg
        dlg.open()
