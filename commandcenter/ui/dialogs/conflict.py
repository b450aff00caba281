"""Two people edited the same draft: show both versions and let the second writer choose."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)


class ConflictDialog(QDialog):
    """Nothing is lost: "Keep mine" leaves your text in the composer to save again."""

    KEEP_MINE = 1
    USE_THEIRS = 2

    def __init__(self, message: str, mine: str, theirs: str,
                 parent: QWidget | None = None, *, mine_version: int | None = None,
                 theirs_version: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Somebody else changed this draft")
        self.setAccessibleName("Edit conflict")
        intro = QLabel(f"{message}.\nNothing is lost: keep your version and save again to "
                       "replace the stored one, or use the stored one.")
        intro.setWordWrap(True)
        self.mine_view = self._pane(mine, "Your version")
        self.theirs_view = self._pane(theirs, "Stored version")
        buttons = QDialogButtonBox()
        keep = QPushButton("&Keep mine")
        keep.setAccessibleName("Keep my version")
        keep.setToolTip("Your text stays in the composer; save again to replace theirs.")
        take = QPushButton("&Use theirs")
        take.setAccessibleName("Use the stored version")
        buttons.addButton(keep, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(take, QDialogButtonBox.ButtonRole.ActionRole)
        keep.clicked.connect(lambda: self.done(self.KEEP_MINE))
        take.clicked.connect(lambda: self.done(self.USE_THEIRS))
        layout = QGridLayout(self)
        layout.addWidget(intro, 0, 0, 1, 2)
        self.mine_label = QLabel("Your version" + (
            f" (your edit of version {mine_version})" if mine_version is not None else ""))
        self.theirs_label = QLabel("Stored version" + (
            f" (version {theirs_version}, saved by someone else)"
            if theirs_version is not None else ""))
        layout.addWidget(self.mine_label, 1, 0)
        layout.addWidget(self.theirs_label, 1, 1)
        layout.addWidget(self.mine_view, 2, 0)
        layout.addWidget(self.theirs_view, 2, 1)
        layout.addWidget(buttons, 3, 0, 1, 2)
        self.resize(760, 360)

    @staticmethod
    def _pane(text: str, name: str) -> QPlainTextEdit:
        view = QPlainTextEdit(text)
        view.setReadOnly(True)
        view.setAccessibleName(name)
        return view
