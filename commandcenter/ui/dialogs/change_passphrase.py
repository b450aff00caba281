"""Change my passphrase: after a reset by two commanders, the operator sets their own.

The new passphrase also seals the operator's signing key (after a reset, a
fresh key pair), so approving works again only once this is done.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from ..session import Session, user_message

MIN_LENGTH = 8


def _secret(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class ChangePassphraseDialog(QDialog):
    sig_changed = Signal(object)  # OperatorView

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        op = session.operator
        self.name = op.name if op is not None else ""
        self.setWindowTitle("Change my passphrase")
        self.setAccessibleName("Change my passphrase")
        intro = QLabel(f"Set a new passphrase for {self.name}. Only you should know it: it "
                       "signs your approvals. After a reset, type the temporary one as the "
                       "current passphrase.")
        intro.setWordWrap(True)
        self.old_edit = _secret("Current passphrase")
        self.new_edit = _secret("New passphrase")
        self.again_edit = _secret("New passphrase again")
        self.error_label = QLabel()
        self.error_label.setAccessibleName("Problem")
        self.error_label.setStyleSheet("color: #c0392b")
        self.error_label.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("&Current passphrase:", self.old_edit)
        form.addRow("&New passphrase:", self.new_edit)
        form.addRow("New passphrase a&gain:", self.again_edit)
        form.addRow(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Change passphrase")
        self.ok_button.setAccessibleName("Change passphrase")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.old_edit.setFocus()
        self.resize(460, self.sizeHint().height())

    def problem(self) -> str:
        old, new, again = self.old_edit.text(), self.new_edit.text(), self.again_edit.text()
        if not self.name:
            return "Sign in first."
        if not old:
            return "Type your current passphrase (after a reset, the temporary one)."
        if len(new) < MIN_LENGTH:
            return f"The new passphrase needs at least {MIN_LENGTH} characters."
        if new != again:
            return "The two new passphrases differ."
        if new == old:
            return "The new passphrase is the current one."
        return ""

    def accept(self) -> None:
        """Validate, then change it on the worker; close only when the service agreed."""
        why = self.problem()
        if why:
            self.error_label.setText(why)
            return
        self.ok_button.setEnabled(False)
        self.error_label.setText("Changing…")
        roster, name = self.session.services.roster, self.name
        old, new = self.old_edit.text(), self.new_edit.text()
        self.session.tasks.run(lambda: roster.change_passphrase(name, old, new), self._ok,
                               self._failed)

    def _ok(self, operator: Any) -> None:
        for edit in (self.old_edit, self.new_edit, self.again_edit):
            edit.clear()
        self.ok_button.setEnabled(True)
        self.session.sig_info.emit(f"{operator.name}: passphrase changed")
        self.session.sig_written.emit()
        self.session.sig_data_changed.emit()
        self.sig_changed.emit(operator)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.setText(user_message(exc))
        self.old_edit.selectAll()
        self.old_edit.setFocus()
