"""Approving is signing: the dialog shows exactly what the passphrase signs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QPlainTextEdit, QWidget

from .passphrase import PassphraseDialog


class ApproveDialog(PassphraseDialog):
    """The exact text, its channel and content hash, then the approver's passphrase."""

    def __init__(self, message: Any, approver: str, parent: QWidget | None = None, *,
                 publish: bool = False, may_publish: bool = True) -> None:
        super().__init__(f"Approve message {message.id} as {approver}. Your passphrase signs "
                         "exactly this text, on this channel, with this content hash; any "
                         "later edit voids the signature.", parent)
        self.setWindowTitle(f"Approve and sign message {message.id}")
        self.channel_label = QLabel(f"Channel: <b>{message.channel.value}</b> · revision "
                                    f"{message.revision}" + (" · DRILL" if message.drill else ""))
        self.channel_label.setAccessibleName("Channel being signed")
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlainText((f"{message.title}\n\n" if message.title else "")
                                    + message.body)
        self.text_view.setAccessibleName("Exact text being signed")
        self.text_view.setMinimumHeight(120)
        self.hash_label = QLabel(f"Content hash (SHA-256): <code>{message.content_hash}</code>")
        self.hash_label.setWordWrap(True)
        self.hash_label.setAccessibleName("Content hash being signed")
        self.hash_label.setToolTip(message.content_hash)
        self.passphrase_label = QLabel("Your &passphrase (signs this text):")
        self.passphrase_label.setBuddy(self.passphrase_edit)
        self.publish_check = QCheckBox("P&ublish as soon as it is approved")
        self.publish_check.setAccessibleName("Publish as soon as it is approved")
        self.publish_check.setChecked(publish and may_publish)
        self.publish_check.setVisible(may_publish)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c0392b; font-weight: bold")
        self.error_label.setAccessibleName("Why the dialog is still open")
        self.error_label.hide()
        layout = self.layout()
        for i, w in enumerate((self.channel_label, self.text_view, self.hash_label,
                               self.passphrase_label), start=1):
            layout.insertWidget(i, w)
        layout.insertWidget(layout.count() - 1, self.publish_check)
        layout.insertWidget(layout.count() - 1, self.error_label)
        self.passphrase_edit.setFocus()
        self.resize(560, 380)

    def accept(self) -> None:
        """No passphrase, no signature: stay open and say so."""
        if not self.passphrase_edit.text():
            self.error_label.setText("Type your passphrase: it signs this text.")
            self.error_label.show()
            self.passphrase_edit.setFocus()
            return
        super().accept()
