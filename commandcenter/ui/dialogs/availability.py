"""Availability windows and delegations, edited with date-time editors in local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from commandcenter.domain.roster import AvailabilityStatus

from .confirm import AuthorityFields
from .when import date_time_edit, from_qt


@dataclass(frozen=True, slots=True)
class WindowRequest:
    name: str
    status: AvailabilityStatus
    starts_at: datetime
    ends_at: datetime
    reachable: bool
    note: str


@dataclass(frozen=True, slots=True)
class DelegationRequest:
    chain: str
    delegate: str
    starts_at: datetime
    expires_at: datetime
    reason: str


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text.replace("&", ""))
    box.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def _combo(items: list[str], name: str, current: str | None = None) -> QComboBox:
    combo = QComboBox()
    combo.addItems(items)
    combo.setAccessibleName(name)
    if current in items:
        combo.setCurrentText(current)
    return combo


class _SignedDialog(QDialog):
    """A dialog whose change is confirmed by a passphrase; it stays open until it has one."""

    authority: AuthorityFields

    def field_problem(self) -> str:
        """What is wrong with the fields themselves, or '' (checked before closing)."""
        return ""

    def accept(self) -> None:
        problem = self.field_problem() or self.authority.problem()
        if problem:
            self.authority.show_error(problem)
            return
        super().accept()


class AvailabilityDialog(_SignedDialog):
    def __init__(self, names: list[str], now: datetime, current: str | None = None,
                 parent: QWidget | None = None, *, cosigners: list[str] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set availability")
        self.setAccessibleName("Set availability")
        self.contact_combo = _combo(names, "Contact", current)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName("Availability status")
        for s in AvailabilityStatus:
            self.status_combo.addItem(s.label, s)
        self.status_combo.setCurrentIndex(1)
        start = now.replace(second=0, microsecond=0)
        self.from_edit = date_time_edit(start, "From")
        self.until_edit = date_time_edit(start + timedelta(hours=8), "Until")
        self.reachable_check = QCheckBox("Reachable while away (can still act)")
        self.reachable_check.setAccessibleName("Reachable")
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("Note")
        self.note_edit.setPlaceholderText("e.g. flight LH 455, lands 14:05 local")
        form = QFormLayout(self)
        form.addRow("&Contact:", self.contact_combo)
        form.addRow("&Status:", self.status_combo)
        form.addRow("&From:", self.from_edit)
        form.addRow("&Until:", self.until_edit)
        form.addRow("", self.reachable_check)
        form.addRow("&Note:", self.note_edit)
        self.authority = AuthorityFields(form, list(cosigners))
        form.addRow(_buttons(self, "&Save window"))

    def field_problem(self) -> str:
        r = self.request()
        if r.ends_at <= r.starts_at:
            self.until_edit.setFocus()
            return "Until must be after From: the window would be empty."
        if len(r.note) > 500:
            self.note_edit.setFocus()
            return "The note is longer than 500 characters."
        return ""

    def request(self) -> WindowRequest:
        return WindowRequest(self.contact_combo.currentText(),
                             AvailabilityStatus(self.status_combo.currentData()),
                             from_qt(self.from_edit.dateTime()),
                             from_qt(self.until_edit.dateTime()),
                             self.reachable_check.isChecked(), self.note_edit.text())


class DelegationDialog(_SignedDialog):
    def __init__(self, chains: list[str], names: list[str], now: datetime,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Delegate authority")
        self.setAccessibleName("Delegate authority")
        self.chain_combo = _combo(chains, "Chain")
        self.delegate_combo = _combo(names, "Delegate")
        start = now.replace(second=0, microsecond=0)
        self.from_edit = date_time_edit(start, "Delegation starts")
        self.until_edit = date_time_edit(start + timedelta(hours=4), "Delegation expires")
        self.reason_edit = QLineEdit()
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setPlaceholderText("e.g. CEO in the air until 14:00")
        form = QFormLayout(self)
        form.addRow("C&hain:", self.chain_combo)
        form.addRow("&Delegate:", self.delegate_combo)
        form.addRow("&From:", self.from_edit)
        form.addRow("&Expires:", self.until_edit)
        form.addRow("&Reason:", self.reason_edit)
        self.authority = AuthorityFields(form, [])
        self.authority.cosign_check.hide()  # a delegation is the owner's own act
        form.addRow(_buttons(self, "&Delegate"))

    def field_problem(self) -> str:
        r = self.request()
        if not r.chain:
            return "You own no chain now: there is nothing to delegate."
        if r.expires_at <= r.starts_at:
            self.until_edit.setFocus()
            return "Expires must be after From: a delegation needs an end."
        return ""

    def request(self) -> DelegationRequest:
        return DelegationRequest(self.chain_combo.currentText(), self.delegate_combo.currentText(),
                                 from_qt(self.from_edit.dateTime()),
                                 from_qt(self.until_edit.dateTime()), self.reason_edit.text())
