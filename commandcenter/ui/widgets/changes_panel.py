"""The change calendar: planned scoring changes, their notice, announcement and release.

An unannounced change whose notice period has begun is a warning, shown at
the top of the panel and counted in its dock's title. Releasing it without
an announcement needs a commander's override with a reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QBrush, QColor, QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.operators import Action

from ..dialogs.when import date_time_edit, from_qt
from ..models.table import RowsModel
from ..session import Session
from ..timefmt import full_text, local_text, unbroken_text
from .filter_bar import FilterBar, text_filter
from .held_loads import HeldLoads
from .timeline_panel import labelled, row_table

FILTERS = ("all", "warnings", "not announced", "announced", "released")
REFRESH_MS = 30_000  # warnings begin with time, not with a write
WARN_BRUSH = QBrush(QColor("#c0392b"))


class ChangesModel(RowsModel[Any]):
    COLUMNS = ("#", "Change", "Effective", "Notice", "Announced", "Status", "Expected effect")

    def cell(self, c: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            announced = (f"yes, {local_text(c.announced_at)}" if c.announced
                         else "NOT ANNOUNCED")
            left = (f"{c.notice_days} d ({c.notice_days_left:.1f} d left)"
                    if c.notice_days_left > 0 else f"{c.notice_days} d")
            return (str(c.id), c.title, local_text(c.effective_at), left, announced,
                    c.status.value.replace("_", " "), c.effect)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [f"Effective {full_text(c.effective_at)}"]
            if c.announced and c.announced_at:
                parts.append(f"Announced {full_text(c.announced_at)}")
            if c.released_at:
                parts.append(f"Released {full_text(c.released_at)}")
            if c.warning:
                parts.append(c.warning)
            if c.override_reason:
                parts.append(f"Released by {c.released_by} without notice: {c.override_reason}")
            if c.explanation_message_id:
                parts.append(f"Explained by message #{c.explanation_message_id}")
            return "\n".join(parts)
        if role == Qt.ItemDataRole.ForegroundRole and c.warning and column in (4, 5):
            return WARN_BRUSH
        return None


def matches(c: Any, text: str, kind: str) -> bool:
    if kind == "warnings" and not c.warning:
        return False
    if kind == "not announced" and c.announced:
        return False
    if kind == "announced" and not c.announced:
        return False
    if kind == "released" and c.released_at is None:
        return False
    needle = text.strip().casefold()
    return not needle or needle in f"{c.title} {c.effect}".casefold()


class ChangeDialog(QDialog):
    def __init__(self, effective: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plan a scoring change")
        self.setAccessibleName("Plan a scoring change")
        self.title_edit = labelled(QLineEdit(), "Change title")
        self.effective_edit = date_time_edit(effective, "Effective")
        self.notice_spin = labelled(QSpinBox(), "Notice period in days")
        self.notice_spin.setRange(0, 365)
        self.notice_spin.setValue(7)
        self.effect_edit = labelled(QLineEdit(), "Expected effect on scores")
        form = QFormLayout(self)
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Effective:", self.effective_edit)
        form.addRow("&Notice (days):", self.notice_spin)
        form.addRow("Expected e&ffect:", self.effect_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, datetime, int, str]:
        return (self.title_edit.text(), from_qt(self.effective_edit.dateTime()),
                self.notice_spin.value(), self.effect_edit.text())


class ChangesPanel(HeldLoads, QWidget):
    sig_warnings = Signal(int)  # unannounced changes inside their notice period

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = ChangesModel(self)
        self.all_rows: list[Any] = []
        self.dialog: ChangeDialog | None = None
        self.reason_dialog: QInputDialog | None = None
        self._warned: set[int] = set()
        self._build()
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()
        session.sig_data_changed.connect(self.reload)
        session.sig_operator_changed.connect(lambda _op: self._update_controls())

    def _build(self) -> None:
        self.warning = labelled(QLabel(), "Change calendar warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("QLabel { background: #fdedec; color: #922b21; "
                                   "padding: 4px; border: 1px solid #e6b0aa; }")
        self.warning.hide()
        self.filter_edit = text_filter("Filter changes", "Show changes whose title or effect "
                                       "contains this (Ctrl+F)")
        self.kind_combo = labelled(QComboBox(), "Change filter")
        self.kind_combo.addItems(FILTERS)
        bar = FilterBar(self, self.filter_edit, self.kind_combo,
                        changed=lambda: self._apply_filter())
        self.table = row_table(self.model, "Change calendar",
                               "Planned scoring changes by effective time; Enter opens the "
                               "published explanation", (36, 190, 120, 120, 130, 80))
        self.table.activated.connect(lambda _i: self.open_explanation())
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_controls())
        self.detail = labelled(QLabel(), "Selected change")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.add_button = labelled(QPushButton("&Plan change…"), "Plan a scoring change")
        self.add_button.clicked.connect(self.open_add)
        self.release_button = labelled(QPushButton("&Release…"), "Release the change",
                                       "Refused unless announced; a commander may override "
                                       "with a reason")
        self.release_button.clicked.connect(self.release_selected)
        self.explain_button = labelled(QPushButton("Open e&xplanation"),
                                       "Open the published explanation")
        self.explain_button.clicked.connect(self.open_explanation)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.explain_button)
        buttons.addWidget(self.release_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.warning)
        layout.addLayout(bar.layout)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(buttons)
        self.find_key = bar.find_key
        bar.route_find(self.table, self.kind_combo)
        self._update_controls()

    # --- loading ------------------------------------------------------------------
    def reload(self) -> None:
        if self.loads_held():
            return
        services = self.session.services

        def read() -> tuple[list[Any], list[Any]]:
            return services.changes.list(), services.changes.chart_marks()

        self.session.read(read, self._loaded)

    def _loaded(self, result: tuple[list[Any], list[Any]]) -> None:
        rows, marks = result
        self.all_rows = rows
        self.links = {m.change_id: m.explanation_link for m in marks}
        warnings = [c for c in rows if c.warning]
        if warnings:
            self.warning.setText("<b>⚠ Not announced:</b> " + "<br>".join(
                c.warning for c in warnings))
        self.warning.setVisible(bool(warnings))
        for c in warnings:
            if c.id not in self._warned:  # once per change, when its warning begins
                self._warned.add(c.id)
                self.session.sig_info.emit(f"Change calendar: {c.warning}")
        self.sig_warnings.emit(len(warnings))
        self._apply_filter()

    def _apply_filter(self) -> None:
        chosen = self.current()
        rows = [c for c in self.all_rows
                if matches(c, self.filter_edit.text(), self.kind_combo.currentText())]
        self.model.set_rows(rows)
        if chosen is not None:
            row = self.model.find(lambda c: c.id == chosen.id)
            if row >= 0:
                self.table.setCurrentIndex(self.model.index(row, 0))
        self._update_controls()

    def current(self) -> Any | None:
        row = self.table.currentIndex().row()
        return self.model.row_object(row) if 0 <= row < self.model.rowCount() else None

    def _update_controls(self) -> None:
        c = self.current()
        runs = self.session.may(Action.RUN_INCIDENT)
        self.add_button.setEnabled(runs)
        self.release_button.setEnabled(runs and c is not None and c.released_at is None)
        link = getattr(self, "links", {}).get(c.id) if c is not None else None
        self.explain_button.setEnabled(link is not None)
        if c is None:
            self.detail.setText("")
            self.detail.setToolTip("")
            return
        self.detail.setToolTip("\n".join(
            f"{what} {full_text(t)}" for what, t in (("Effective", c.effective_at),
                                                    ("Released", c.released_at)) if t))
        text = f"<b>{c.title}</b>: effective {unbroken_text(c.effective_at)}"
        if c.effect:
            text += f"; expected effect: {c.effect}"
        text += (f"; announced by message #{c.announcement_message_id}" if c.announced
                 else "; <span style='color:#c0392b'>not announced</span>")
        if c.released_at:
            text += f"; released {unbroken_text(c.released_at)} by {c.released_by}"
            if c.override_reason:
                text += f" (override: {c.override_reason})"
        if link:
            text += f"; explanation: <i>{link}</i>"
        self.detail.setText(text)

    # --- acting -----------------------------------------------------------------------
    def _actor(self) -> str | None:
        try:
            return self.session.actor()
        except Exception as exc:
            self.session.report(exc)
            return None

    def open_add(self) -> ChangeDialog | None:
        if not self.add_button.isEnabled():
            return None
        dlg = ChangeDialog(self.session.now() + timedelta(days=14), self)
        dlg.accepted.connect(lambda: self._add(*dlg.values()))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _add(self, title: str, effective: datetime, notice: int, effect: str) -> None:
        actor = self._actor()
        if actor is None:
            return
        changes = self.session.services.changes
        self.session.write(lambda: changes.add(title, effective, actor, notice_days=notice,
                                               effect=effect),
                           success=f"Change planned: {title}")

    def release_selected(self) -> QInputDialog | None:
        c = self.current()
        if c is None or not self.release_button.isEnabled():
            return None
        if c.announced:
            self.release(c.id, None)
            return None
        dlg = QInputDialog(self)
        dlg.setWindowTitle("Release without an announcement")
        dlg.setLabelText(f"{c.title!r} was never announced. Releasing it anyway is an "
                         "override, recorded on the timeline and in the audit log.\n"
                         "Reason:")
        dlg.setAccessibleName("Override reason")
        dlg.textValueSelected.connect(lambda reason: self.release(c.id, reason))
        self.reason_dialog = dlg
        dlg.open()
        return dlg

    def release(self, change_id: int, override: str | None) -> None:
        actor = self._actor()
        if actor is None:
            return
        changes = self.session.services.changes
        self.session.write(lambda: changes.release(change_id, actor, override=override),
                           success=f"Change #{change_id} released")

    def open_explanation(self) -> None:
        c = self.current()
        link = getattr(self, "links", {}).get(c.id) if c is not None else None
        if link:
            QDesktopServices.openUrl(QUrl.fromLocalFile(link))
        elif c is not None:
            self.session.sig_info.emit(f"Change #{c.id} has no published explanation yet")
