"""Sign-in: pick an operator, type the passphrase, checked against the stored hash."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import OperatorView

from ..session import Session, sign_in, user_message

OperatorRole = Qt.ItemDataRole.UserRole + 1


class SignInDialog(QDialog):
    sig_signed_in = Signal(object)  # OperatorView

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Sign in to Command Center")
        self.setAccessibleName("Sign in")
        intro = QLabel("Choose who you are. Observers see everything and change nothing.")
        intro.setWordWrap(True)
        self.operator_list = QListWidget()
        self.operator_list.setAccessibleName("Operators")
        who = QLabel("&Operator:")
        who.setBuddy(self.operator_list)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Passphrase")
        pp = QLabel("&Passphrase:")
        pp.setBuddy(self.passphrase_edit)
        self.error_label = QLabel()
        self.error_label.setAccessibleName("Sign-in problem")
        self.error_label.setStyleSheet("color: #c0392b")
        self.error_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Sign in")
        self.ok_button.setAccessibleName("Sign in")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.operator_list.itemActivated.connect(lambda _i: self.passphrase_edit.setFocus())
        layout = QVBoxLayout(self)
        for w in (intro, who, self.operator_list, pp, self.passphrase_edit, self.error_label,
                  self.buttons):
            layout.addWidget(w)
        self.resize(420, 380)
        self.ok_button.setEnabled(False)
        session.read(session.services.roster.operators, self._fill)

    def _fill(self, operators: list[OperatorView]) -> None:
        current = self.session.operator
        for op in operators:
            item = QListWidgetItem(f"{op.name} — {op.role.value}")
            item.setData(OperatorRole, op)
            self.operator_list.addItem(item)
            if current is not None and op.id == current.id:
                self.operator_list.setCurrentItem(item)
        if self.operator_list.currentItem() is None and operators:
            self.operator_list.setCurrentRow(0)
        if not operators:
            self.error_label.setText("No operators yet: add one with "
                                     "'commandcenter operator add NAME --role ROLE'.")
        self.ok_button.setEnabled(bool(operators))
        self.operator_list.setFocus()

    def choose(self, name: str) -> None:
        for i in range(self.operator_list.count()):
            if self.operator_list.item(i).data(OperatorRole).name == name:
                self.operator_list.setCurrentRow(i)
                return
        raise LookupError(name)

    def accept(self) -> None:
        """Check the passphrase on the worker; close only when it matches."""
        item = self.operator_list.currentItem()
        if item is None:
            return
        name = item.data(OperatorRole).name
        passphrase = self.passphrase_edit.text()
        if not passphrase:  # Enter on the list: go on to the passphrase
            self.passphrase_edit.setFocus()
            return
        self.ok_button.setEnabled(False)
        self.error_label.setText("Checking…")
        services = self.session.services
        self.session.tasks.run(lambda: sign_in(services, name, passphrase), self._ok,
                               self._failed)

    def _ok(self, operator: Any) -> None:
        self.passphrase_edit.clear()
        self.error_label.clear()
        self.ok_button.setEnabled(True)
        self.session.set_operator(operator)
        self.sig_signed_in.emit(operator)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.ok_button.setEnabled(True)
        self.error_label.setText(user_message(exc))
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()
