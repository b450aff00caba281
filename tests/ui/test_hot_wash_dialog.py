"""The hot-wash dialog: prefilled with what was saved, checks before it closes (each problem
naming its field and row, nothing typed lost), saves through the service the command line
uses, and the regenerated report shows it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTableWidgetItem
from pytestqt.qtbot import QtBot

from commandcenter.app import Services, build_drill
from commandcenter.cli import main
from commandcenter.cli.drills import run_headless
from commandcenter.domain.clock import SimulatedClock
from commandcenter.services.drill_report import drill_report
from commandcenter.services.drill_runs import hot_wash, record_hot_wash
from commandcenter.ui.dialogs.hot_wash import edit_hot_wash

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"
PEOPLE = ["Morgan Blake", "Daniel Reyes", "Maya Okafor"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of its own (these tests write its hot wash)."""
    folder = tmp_path_factory.mktemp("hot-wash") / "run"
    run_headless(HALVED, HALVED.with_name(f"{HALVED.stem}.actions-meets.toml"), speed=None,
                 report=None, folder=folder)
    return folder


@pytest.fixture
def drill(finished: Path) -> Any:
    svc: Services = build_drill(finished, SimulatedClock(datetime(2026, 3, 2, 14, tzinfo=UTC)))
    record_hot_wash(svc.ctx, 1, strengths=["The acknowledgement went out at T+17m."],
                    improvements=[], plan=[], by="Morgan Blake")
    yield svc
    svc.close()


def cell(dialog: Any, row: int, column: int, text: str) -> None:
    dialog.plan.setItem(row, column, QTableWidgetItem(text))


def test_dialog_is_prefilled_validates_and_saves(qtbot: QtBot, drill: Services) -> None:
    dialog = edit_hot_wash(None, drill.ctx, 1, PEOPLE, "Morgan Blake", "Scores halved")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.strengths.toPlainText() == "The acknowledgement went out at T+17m."
    assert dialog.improvements.toPlainText() == ""
    assert dialog.plan.rowCount() == 0 and dialog.by.currentText() == "Morgan Blake"

    dialog.improvements.setPlainText("The CEO's post needed a delegation.\n\nPlan it earlier.")
    first = dialog.add_row({"action": "Pre-approve the CEO's delegation", "owner": "Daniel Reyes",
                            "due": "2026-03-16"})
    second = dialog.add_row()
    cell(dialog, second, 0, "Rehearse the X outage")
    cell(dialog, second, 2, "16 March")
    dialog.add_row()  # a blank row is ignored, not an error
    dialog.ok_button.click()

    assert dialog.isVisible() and dialog.result() == 0  # still open
    errors = dialog.error_label.text()
    assert "Improvement plan, row 2, Owner (owner): must not be empty" in errors
    assert "Improvement plan, row 2, Due date (due): '16 March' is not a date such as " \
           "2026-03-16" in errors
    assert "row 1" not in errors and "row 3" not in errors
    assert (dialog.plan.currentRow(), dialog.plan.currentColumn()) == (second, 1)
    # Nothing typed is lost, nothing is saved.
    assert dialog.plan.item(second, 0).text() == "Rehearse the X outage"
    assert dialog.improvements.toPlainText().startswith("The CEO's post")
    assert hot_wash(drill.ctx, 1)["improvements"] == []

    cell(dialog, second, 1, "Tom Becker")
    cell(dialog, second, 2, "2026-03-23")
    dialog.ok_button.click()
    assert dialog.result() == 1 and not dialog.isVisible()
    saved = hot_wash(drill.ctx, 1)
    assert saved["improvements"] == ["The CEO's post needed a delegation.", "Plan it earlier."]
    assert saved["plan"] == [
        {"action": "Pre-approve the CEO's delegation", "owner": "Daniel Reyes",
         "due": "2026-03-16"},
        {"action": "Rehearse the X outage", "owner": "Tom Becker", "due": "2026-03-23"}]
    assert first == 0
    html = drill_report(drill.ctx, 1).html
    for text in ("Plan it earlier.", "Rehearse the X outage", "Tom Becker", "2026-03-23",
                 "The acknowledgement went out at T+17m."):
        assert text in html

    again = edit_hot_wash(None, drill.ctx, 1, PEOPLE, "Morgan Blake", "Scores halved")
    qtbot.addWidget(again)
    assert again.plan.rowCount() == 2 and again.plan.item(1, 0).text() == "Rehearse the X outage"


def test_an_empty_hot_wash_line_and_a_missing_recorder(qtbot: QtBot, drill: Services) -> None:
    dialog = edit_hot_wash(None, drill.ctx, 1, PEOPLE, "Morgan Blake", "Scores halved")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.strengths.setPlainText("x" * 2001)
    dialog.by.setCurrentText("  ")
    dialog.ok_button.click()
    assert dialog.isVisible()
    errors = dialog.error_label.text()
    assert "Strengths, item 1: longer than 2000 characters (2001)" in errors
    assert "Recorded by: name who recorded the hot wash" in errors
    assert hot_wash(drill.ctx, 1)["strengths"] == ["The acknowledgement went out at T+17m."]


def test_the_hot_wash_file_refuses_a_due_that_is_no_date(finished: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    hot = tmp_path / "hot.toml"
    hot.write_text('strengths = ["ok"]\n\n[[plan]]\naction = "x"\nowner = "y"\n'
                   'due = "next week"\n')
    assert main(["drill", "report", str(finished), "--output", str(tmp_path / "a.html"),
                 "--hot-wash", str(hot)]) == 2
    assert "line 6: plan[0].due: 'next week' is not a date such as 2026-03-16" in \
        capsys.readouterr().err
    assert not (tmp_path / "a.html").exists()


def test_the_hot_wash_file_names_the_row_as_written(finished: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    hot = tmp_path / "hot.toml"
    hot.write_text('plan = [1, {action = "x", owner = "y", due = "soon"}]\n')
    assert main(["drill", "report", str(finished), "--output", str(tmp_path / "a.html"),
                 "--hot-wash", str(hot)]) == 2
    err = capsys.readouterr().err
    assert "plan[0]: each item is a [[plan]] table" in err
    assert "plan[1].due: 'soon' is not a date such as 2026-03-16" in err


def test_the_dialog_works_from_the_keyboard(qtbot: QtBot, drill: Services) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QLineEdit

    alt = Qt.KeyboardModifier.AltModifier
    dialog = edit_hot_wash(None, drill.ctx, 1, PEOPLE, "Morgan Blake", "Scores halved")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_I, alt)  # Areas for improvement
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.improvements)
    qtbot.keyClicks(dialog.improvements, "Plan the delegation")
    qtbot.keyClick(dialog, Qt.Key.Key_A, alt)  # Add plan row: its first cell is edited
    qtbot.waitUntil(lambda: dialog.plan.rowCount() == 1)
    for text, key in (("Write it into the plan", Qt.Key.Key_Tab),  # Tab: the next cell
                      ("Daniel Reyes", Qt.Key.Key_Tab), ("2026-03-16", Qt.Key.Key_Return)):
        qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit))
        editor = QApplication.focusWidget()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, key)
        qtbot.waitUntil(lambda e=editor: QApplication.focusWidget() is not e)
    qtbot.keyClick(dialog, Qt.Key.Key_V, alt)  # Save hot wash
    qtbot.waitUntil(lambda: dialog.result() == 1)
    saved = hot_wash(drill.ctx, 1)
    assert saved["improvements"] == ["Plan the delegation"]
    assert saved["plan"] == [{"action": "Write it into the plan", "owner": "Daniel Reyes",
                              "due": "2026-03-16"}]
