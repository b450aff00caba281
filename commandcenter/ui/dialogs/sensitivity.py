"""Score health: how readily each series raises anomaly alerts (a commander's change)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from commandcenter.domain.sensitivity import ALERT_LEVELS, Sensitivity

HELP = {
    Sensitivity.OFF: "no anomaly alerts (staleness still alerts)",
    Sensitivity.LOW: "only clear breaks",
    Sensitivity.NORMAL: "the benchmark's setting",
    Sensitivity.HIGH: "earlier and more often",
}


def level_text(level: Sensitivity) -> str:
    score = ALERT_LEVELS[level]
    at = "" if score is None else f", alerts at score {score:.2f}"
    return f"{level.value}: {HELP[level]}{at}"


class SensitivityDialog(QDialog):
    """Pick a series and its sensitivity, sign with your passphrase; OK only for a change."""

    def __init__(self, status: Sequence[Any], chosen: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Alert sensitivity")
        self.current = {s.series: Sensitivity(s.sensitivity) for s in status}
        self.series_combo = QComboBox()
        self.series_combo.setAccessibleName("Series")
        self.series_combo.addItems(sorted(self.current))
        if chosen in self.current:
            self.series_combo.setCurrentText(chosen)
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName("Sensitivity")
        for level in Sensitivity:
            self.level_combo.addItem(level_text(level), level)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_edit.setAccessibleName("Your passphrase")
        self.passphrase_edit.setToolTip("A change to alerting is signed with your passphrase")
        self.note = QLabel()
        self.note.setAccessibleName("Sensitivity change")
        self.note.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
        self.ok = box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Set")
        self.ok.setAccessibleName("Set sensitivity")
        box.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Series:", self.series_combo)
        form.addRow("Se&nsitivity:", self.level_combo)
        form.addRow("&Passphrase:", self.passphrase_edit)
        form.addRow(self.note)
        form.addRow(box)
        self.series_combo.currentTextChanged.connect(self._series_changed)
        self.level_combo.currentIndexChanged.connect(self._validate)
        self.passphrase_edit.textChanged.connect(self._validate)
        self._series_changed(self.series_combo.currentText())

    def _series_changed(self, name: str) -> None:
        level = self.current.get(name, Sensitivity.NORMAL)
        self.level_combo.setCurrentIndex(list(Sensitivity).index(level))
        self._validate()

    def _validate(self) -> None:
        name, level = self.series_combo.currentText(), self.level()
        before = self.current.get(name)
        ok = bool(name) and before is not None and level is not before
        self.ok.setEnabled(ok and bool(self.passphrase_edit.text()))
        self.note.setText("No series yet." if not name else
                          f"{name} is {before.value if before else '?'} now." if not ok else
                          f"{name}: {before.value if before else '?'} to {level.value}. "
                          "Signed with your passphrase; recorded in the audit log.")

    def level(self) -> Sensitivity:
        return Sensitivity(self.level_combo.currentData())

    def series(self) -> str:
        return self.series_combo.currentText()

    def passphrase(self) -> str:
        return self.passphrase_edit.text()

    def accept(self) -> None:
        if self.ok.isEnabled():  # Return on an unchanged choice does not close
            super().accept()
