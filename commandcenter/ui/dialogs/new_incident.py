"""Open an incident by hand: title, severity, kind, and whether it is a drill.

The dialog stays open until the service has accepted the incident, so a
refusal (an empty title, a facilitator asking for a live incident) is shown
where it was made, and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from commandcenter.domain.errors import CommandCenterError
from commandcenter.domain.incidents import Severity
from commandcenter.domain.operators import Role

from ..session import Session, user_message

KINDS = ("scoring", "data corruption", "algorithm change", "stale data", "outage")
SEVERITY_HINTS = {
    Severity.SEV1: "SEV1 — many profiles' scores wrong or public outcry",
    Severity.SEV2: "SEV2 — scores visibly wrong for some profiles",
    Severity.SEV3: "SEV3 — degraded, few users affected",
    Severity.SEV4: "SEV4 — minor, no public impact",
}


def drill_policy(role: Role | None) -> tuple[bool, bool]:
    """(may choose drill, must be a drill) for ``role``."""
    if role is Role.FACILITATOR:
        return True, True
    return role is Role.COMMANDER, False


class NewIncidentDialog(QDialog):
    sig_opened = Signal(object)  # IncidentView

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("New incident")
        self.setAccessibleName("New incident")
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Incident title")
        self.title_edit.setPlaceholderText("What is wrong, as users would see it")
        self.title_edit.setMaxLength(300)
        self.severity_combo = QComboBox()
        self.severity_combo.setAccessibleName("Severity")
        for sev in Severity:
            self.severity_combo.addItem(SEVERITY_HINTS[sev], sev)
        self.severity_combo.setCurrentIndex(1)
        self.kind_combo = QComboBox()
        self.kind_combo.setEditable(True)
        self.kind_combo.addItems(KINDS)
        self.kind_combo.setAccessibleName("Incident kind")
        self.drill_check = QCheckBox("&Drill (exercise: marked everywhere, never reaches a "
                                     "live channel)")
        self.drill_check.setAccessibleName("Drill")
        self.error_label = QLabel()
        self.error_label.setAccessibleName("New incident problem")
        self.error_label.setStyleSheet("color: #c0392b")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Open incident")
        self.ok_button.setAccessibleName("Open incident")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        for text, field in (("&Title:", self.title_edit), ("&Severity:", self.severity_combo),
                            ("&Kind:", self.kind_combo)):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow(self.drill_check)
        form.addRow(self.error_label)
        form.addRow(self.buttons)
        self.resize(520, self.sizeHint().height())
        self._apply_role()
        self.title_edit.setFocus()

    def _apply_role(self) -> None:
        op = self.session.operator
        offered, forced = drill_policy(op.role if op else None)
        self.drill_check.setChecked(forced)
        self.drill_check.setEnabled(offered and not forced)
        self.drill_check.setVisible(offered)
        if forced:
            self.drill_check.setToolTip("A facilitator may open drills only")

    def accept(self) -> None:
        """Open on the worker; close only once the service said yes."""
        title = self.title_edit.text()
        if not title.strip():
            self.error_label.setText("title: give the incident a title")
            self.title_edit.setFocus()
            return
        severity = Severity(self.severity_combo.currentData())
        kind = self.kind_combo.currentText().strip() or "scoring"
        drill = self.drill_check.isChecked()
        try:
            actor = self.session.actor()
        except CommandCenterError as exc:  # nobody signed in any more
            self._failed(exc)
            return
        incidents = self.session.services.incidents
        self.ok_button.setEnabled(False)
        self.error_label.setText("Opening…")
        self.session.tasks.run(
            lambda: incidents.open(title, severity, actor, kind=kind, drill=drill),
            self._opened, self._failed)

    def _opened(self, incident: Any) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.clear()
        self.sig_opened.emit(incident)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.setText(user_message(exc))
        self.title_edit.setFocus()
