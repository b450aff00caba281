"""Open an incident from an alert in one step: a human title, severity, declare now; or
attach the alert to the open incident that already covers it.

The dialog stays open until the service has accepted, so a refusal is shown where it was
made and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from commandcenter.domain.incidents import IncidentStatus, Severity

from ..session import Session, user_message
from ..timefmt import full_text, localise, unbroken_text
from .new_incident import SEVERITY_HINTS


class FromAlertDialog(QDialog):
    sig_done = Signal(object)  # IncidentView (opened, or the one attached to)

    def __init__(self, session: Session, alert: Any, proposal: Any, severity: Severity,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.alert, self.proposal = session, alert, proposal
        self.setWindowTitle(f"Incident from alert #{alert.id}")
        self.setAccessibleName("Incident from alert")
        form = QFormLayout(self)
        evidence = QLabel(f"<b>{alert.series}</b> · {alert.detector} · {alert.level}<br>"
                          f"{localise(alert.evidence, unbroken_text)}")
        evidence.setToolTip(f"Onset {full_text(alert.onset_at)}\n\n{alert.evidence}")
        evidence.setWordWrap(True)
        evidence.setAccessibleName("Alert evidence")
        form.addRow(evidence)
        self.choices = QButtonGroup(self)
        self.attach_buttons: dict[int, QRadioButton] = {}
        for inc in proposal.covering:
            b = QRadioButton(f"Attach to #{inc.id} {inc.title} ({inc.severity.value}, "
                             f"{inc.status.value}): it covers this series and onset")
            b.setAccessibleName(f"Attach to incident {inc.id}")
            self.choices.addButton(b, inc.id)
            self.attach_buttons[inc.id] = b
            form.addRow(b)
        self.new_button = QRadioButton("Open a new incident")
        self.new_button.setAccessibleName("Open a new incident")
        self.choices.addButton(self.new_button, 0)
        if proposal.covering:
            form.addRow(self.new_button)
            next(iter(self.attach_buttons.values())).setChecked(True)
        else:
            self.new_button.setChecked(True)
            self.new_button.hide()
        self.title_edit = QLineEdit(proposal.title)
        self.title_edit.setAccessibleName("Incident title")
        self.title_edit.setMaxLength(300)
        self.title_edit.setToolTip("What is wrong, as users would see it; you can rename it "
                                   "later (the change is on the timeline)")
        self.severity_combo = QComboBox()
        self.severity_combo.setAccessibleName("Severity")
        for sev in Severity:
            self.severity_combo.addItem(SEVERITY_HINTS[sev], sev)
        self.severity_combo.setCurrentIndex(self.severity_combo.findData(severity))
        self.declare_check = QCheckBox("&Declare now (otherwise it stays detected)")
        self.declare_check.setAccessibleName("Declare now")
        self.declare_check.setChecked(True)
        self.title_label, self.severity_label = QLabel("&Title:"), QLabel("&Severity:")
        self.title_label.setBuddy(self.title_edit)
        self.severity_label.setBuddy(self.severity_combo)
        form.addRow(self.title_label, self.title_edit)
        form.addRow(self.severity_label, self.severity_combo)
        form.addRow("", self.declare_check)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b; font-weight: bold")
        self.error_label.setAccessibleName("Why the incident was not opened")
        self.error_label.hide()
        form.addRow(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.choices.idToggled.connect(lambda _i, _on: self._mode_changed())
        self._mode_changed()
        self.resize(620, 0)

    def attaching_to(self) -> int | None:
        chosen = self.choices.checkedId()
        return chosen if chosen > 0 else None

    def _mode_changed(self) -> None:
        new = self.attaching_to() is None
        for w in (self.title_edit, self.severity_combo, self.declare_check, self.title_label,
                  self.severity_label):
            w.setEnabled(new)
        self.ok_button.setText("&Open incident" if new else "&Attach alert")
        self.ok_button.setAccessibleName("Open incident" if new else "Attach alert")

    def accept(self) -> None:
        """Check, then ask the service; close only once it has accepted."""
        target = self.attaching_to()
        title = self.title_edit.text().strip()
        if target is None and not title:
            self._show_error("Give the incident a title: what is wrong, as users see it.")
            self.title_edit.setFocus()
            return
        try:
            actor = self.session.actor()
        except Exception as exc:
            self._show_error(user_message(exc))
            return
        svc, alert_id = self.session.services, self.alert.id
        if target is not None:
            def work() -> Any:
                return svc.first_hour.attach_alert(alert_id, target, actor)
            done = f"Alert #{alert_id} attached to incident #{target}"
        else:
            severity = Severity(self.severity_combo.currentData())
            status = (IncidentStatus.DECLARED if self.declare_check.isChecked()
                      else IncidentStatus.DETECTED)

            def work() -> Any:
                return svc.health.open_incident_from_alert(alert_id, actor, severity,
                                                           status=status, title=title)
            done = f"Incident opened from alert #{alert_id}"
        self.ok_button.setEnabled(False)
        self.session.write(work, self._done, self._failed, success=done)

    def _done(self, incident: Any) -> None:
        self.ok_button.setEnabled(True)
        super().accept()
        self.sig_done.emit(incident)

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self._show_error(user_message(exc))

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
