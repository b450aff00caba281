"""Authority changes are signed: the operator's passphrase, and a co-signer when needed.

Availability, chains, delegations and operators decide who may approve, so
the services check a passphrase for each change; the dialog that makes one
asks for it (and, for a change that hands approval authority to its own
author, for a second commander's) and does not close while one is missing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLabel, QLineEdit

from commandcenter.domain.operators import Credentials


def _secret(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class AuthorityFields:
    """Passphrase (and optional co-signer) rows added to a dialog's form."""

    def __init__(self, form: QFormLayout, cosigners: list[str]) -> None:
        self.passphrase_edit = _secret("Your passphrase")
        self.passphrase_edit.setPlaceholderText("confirms this change")
        self.cosign_check = QCheckBox("A second commander co-signs")
        self.cosign_check.setAccessibleName("Co-sign")
        self.cosign_check.setToolTip("Needed when the change would make you the owner of "
                                     "the communications chain")
        self.cosigner_combo = QComboBox()
        self.cosigner_combo.addItems(cosigners)
        self.cosigner_combo.setAccessibleName("Co-signer")
        self.cosigner_edit = _secret("Co-signer's passphrase")
        self.error = QLabel()
        self.error.setAccessibleName("Problem")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        form.addRow("Your &passphrase:", self.passphrase_edit)
        form.addRow("", self.cosign_check)
        form.addRow("Co-si&gner:", self.cosigner_combo)
        form.addRow("Co-signer's pass&phrase:", self.cosigner_edit)
        form.addRow(self.error)
        self._form = form
        self.cosign_check.toggled.connect(self._show_cosign)
        self._show_cosign(False)

    def _show_cosign(self, on: bool) -> None:
        for w in (self.cosigner_combo, self.cosigner_edit):
            w.setVisible(on)
            label = self._form.labelForField(w)
            if label is not None:
                label.setVisible(on)

    def require_cosigner(self, message: str) -> None:
        """The service asked for a co-signature: show the rows and say why."""
        self.cosign_check.setChecked(True)
        self.show_error(message)
        self.cosigner_edit.setFocus()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def problem(self) -> str:
        """Why the dialog may not close yet, or ''."""
        if not self.passphrase_edit.text():
            return "Type your passphrase: it confirms this change."
        if self.cosign_check.isChecked() and not self.cosigner_edit.text():
            return "Type the co-signer's passphrase, or untick co-signing."
        return ""

    def credentials(self, actor: str) -> tuple[Credentials, Credentials | None]:
        by = Credentials(actor, self.passphrase_edit.text())
        if not self.cosign_check.isChecked():
            return by, None
        return by, Credentials(self.cosigner_combo.currentText(), self.cosigner_edit.text())
