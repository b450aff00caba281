"""The facilitator's hot wash, typed in the drill room: strengths, areas for improvement
and the improvement plan (action, owner, due date).

Prefilled with what was saved before. It checks everything before it closes (the same
check as ``drill report --hot-wash FILE``, ``commandcenter/drills/hot_wash.py``); each
problem names its field and row, and nothing typed is lost. It saves through the same
service as the command line (``record_hot_wash``), so the regenerated report shows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.domain.errors import CommandCenterError
from commandcenter.drills.hot_wash import PLAN_KEYS, hot_wash_problems

COLUMNS = {"action": "Action", "owner": "Owner", "due": "Due date (YYYY-MM-DD)"}
LIST_NAMES = {"strengths": "Strengths", "improvements": "Areas for improvement"}
Save = Callable[[list[str], list[str], list[dict[str, str]], str], None]


class HotWashDialog(QDialog):
    """Strengths and areas for improvement one per line; the plan as a table of rows."""

    def __init__(self, save: Save, saved: dict[str, Any], people: Sequence[str],
                 facilitator: str = "", title: str = "", parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self._save = save
        self.setWindowTitle(f"Hot wash: {title}" if title else "Hot wash")
        self.setAccessibleName("Hot wash")
        intro = QLabel("Right after play: what went well, what to improve, and who does what "
                       "by when. It goes into the after-action report (strengths, areas for "
                       "improvement, improvement plan).")
        intro.setWordWrap(True)
        self.strengths = self._list_edit("Strengths", saved.get("strengths", []))
        self.improvements = self._list_edit("Areas for improvement",
                                            saved.get("improvements", []))
        self.plan = QTableWidget(0, len(PLAN_KEYS))
        self.plan.setAccessibleName("Improvement plan")
        self.plan.setHorizontalHeaderLabels([COLUMNS[k] for k in PLAN_KEYS])
        self.plan.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2):
            self.plan.horizontalHeader().setSectionResizeMode(
                c, QHeaderView.ResizeMode.ResizeToContents)
        self.plan.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.plan.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.plan.setMinimumHeight(130)
        for row in saved.get("plan", []):
            self.add_row(row)
        self.add_button = QPushButton("&Add plan row")
        self.add_button.setAccessibleName("Add an improvement plan row")
        self.add_button.clicked.connect(lambda: self._edit_new_row())
        self.remove_button = QPushButton("&Remove plan row")
        self.remove_button.setAccessibleName("Remove the selected improvement plan row")
        self.remove_button.clicked.connect(self.remove_row)
        self.by = QComboBox()
        self.by.setEditable(True)
        self.by.setAccessibleName("Recorded by")
        self.by.addItems(list(people))
        self.by.setCurrentText(saved.get("by") or facilitator)
        self.error_label = QLabel()
        self.error_label.setAccessibleName("Why the hot wash is not saved yet")
        self.error_label.setStyleSheet("color: #c0392b; font-weight: bold")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sa&ve hot wash")
        self.ok_button.setAccessibleName("Save the hot wash")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for text, edit in (("&Strengths (one per line):", self.strengths),
                           ("Areas for &improvement (one per line):", self.improvements)):
            label = QLabel(text)
            label.setBuddy(edit)
            layout.addWidget(label)
            layout.addWidget(edit)
        plan_label = QLabel("Improvement &plan (action, owner, due date):")
        plan_label.setBuddy(self.plan)
        layout.addWidget(plan_label)
        layout.addWidget(self.plan)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        by_label = QLabel("Recorded &by:")
        by_label.setBuddy(self.by)
        row.addWidget(by_label)
        row.addWidget(self.by)
        layout.addLayout(row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.resize(720, 600)
        self.strengths.setFocus()

    @staticmethod
    def _list_edit(name: str, items: Sequence[str]) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(name)
        edit.setTabChangesFocus(True)  # Tab moves on; Enter starts the next item
        edit.setPlainText("\n".join(items))
        edit.setMinimumHeight(80)
        return edit

    # --- the plan table -------------------------------------------------------------
    def add_row(self, values: dict[str, str] | None = None) -> int:
        r = self.plan.rowCount()
        self.plan.insertRow(r)
        for c, key in enumerate(PLAN_KEYS):
            self.plan.setItem(r, c, QTableWidgetItem(str((values or {}).get(key, ""))))
        return r

    def _edit_new_row(self) -> None:
        r = self.add_row()
        self.plan.setFocus()
        self.plan.setCurrentCell(r, 0)
        self.plan.editItem(self.plan.item(r, 0))

    def remove_row(self) -> None:
        r = self.plan.currentRow()
        if r >= 0:
            self.plan.removeRow(r)

    # --- what was typed -------------------------------------------------------------
    @staticmethod
    def _lines(edit: QPlainTextEdit) -> list[str]:
        return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]

    def plan_rows(self) -> list[tuple[int, dict[str, str]]]:
        """(table row, values) of every row with anything in it; blank rows are ignored."""
        out = []
        for r in range(self.plan.rowCount()):
            values = {k: (self.plan.item(r, c).text() if self.plan.item(r, c) else "").strip()
                      for c, k in enumerate(PLAN_KEYS)}
            if any(values.values()):
                out.append((r, values))
        return out

    def values(self) -> tuple[list[str], list[str], list[dict[str, str]], str]:
        return (self._lines(self.strengths), self._lines(self.improvements),
                [v for _r, v in self.plan_rows()], self.by.currentText().strip())

    def problems(self) -> list[tuple[str, QWidget, tuple[int, int] | None]]:
        """Each problem in words naming its field and row, the widget, the plan cell."""
        strengths, improvements, plan, by = self.values()
        rows = [r for r, _v in self.plan_rows()]
        out: list[tuple[str, QWidget, tuple[int, int] | None]] = []
        for field, message in hot_wash_problems(strengths, improvements, plan):
            found = re.fullmatch(r"(\w+)(?:\[(\d+)\])?(?:\.(\w+))?", field)
            assert found is not None
            key, index, sub = found.group(1), found.group(2), found.group(3)
            if key == "plan" and index is not None and sub is not None:
                r = rows[int(index)]
                out.append((f"Improvement plan, row {r + 1}, {COLUMNS[sub].split(' (')[0]}"
                            f" ({sub}): {message}", self.plan, (r, PLAN_KEYS.index(sub))))
            elif key in LIST_NAMES:
                edit = self.strengths if key == "strengths" else self.improvements
                where = f", item {int(index) + 1}" if index is not None else ""
                out.append((f"{LIST_NAMES[key]}{where}: {message}", edit, None))
            else:
                out.append((f"Improvement plan: {message}", self.plan, None))
        if not by:
            out.append(("Recorded by: name who recorded the hot wash", self.by, None))
        return out

    def accept(self) -> None:
        """Check, save through the service, and close only once it is saved."""
        problems = self.problems()
        if problems:
            self._show([p for p, _w, _c in problems])
            _text, widget, cell = problems[0]
            widget.setFocus()
            if cell is not None:
                self.plan.setCurrentCell(*cell)
            return
        try:
            self._save(*self.values())
        except CommandCenterError as exc:
            self._show([str(exc)])
            return
        super().accept()

    def _show(self, lines: list[str]) -> None:
        self.error_label.setText("Not saved yet:\n" + "\n".join(f"• {t}" for t in lines))
        self.error_label.show()


def edit_hot_wash(parent: QWidget | None, ctx: Any, run_id: int, people: Sequence[str],
                  facilitator: str, title: str) -> HotWashDialog:
    """The dialog over drill run ``run_id``, prefilled from it and saving back to it."""
    from commandcenter.services.drill_runs import hot_wash, record_hot_wash

    def save(strengths: list[str], improvements: list[str], plan: list[dict[str, str]],
             by: str) -> None:
        record_hot_wash(ctx, run_id, strengths=strengths, improvements=improvements,
                        plan=plan, by=by)

    return HotWashDialog(save, hot_wash(ctx, run_id), people, facilitator, title, parent)
