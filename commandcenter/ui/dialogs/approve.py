"""Approving is signing: the dialog shows exactly what the passphrase signs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget

from .passphrase import PassphraseDialog


class ApproveDialog(PassphraseDialog):
    """The exact text, its channel and content hash, then the approver's passphrase."""

    def __init__(self, message: Any, approver: str, parent: QWidget | None = None) -> None:
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
        layout = self.layout()
        for i, w in enumerate((self.channel_label, self.text_view, self.hash_label,
                               self.passphrase_label), start=1):
            layout.insertWidget(i, w)
        self.passphrase_edit.setFocus()
        self.resize(560, 380)
