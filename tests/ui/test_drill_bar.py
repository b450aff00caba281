"""The drill bar: the simulated clock moves only when told, injects fire on time or by hand,
observer notes are kept, and the room shows the drill's own clock and database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from commandcenter.app import build_drill
from commandcenter.domain.clock import SimulatedClock
from commandcenter.services.drill_runs import observations
from commandcenter.ui.drill_room import open_drill_room
from commandcenter.ui.timefmt import full_text, local_text
from commandcenter.ui.widgets.drill_bar import open_drill_window

SCENARIOS = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
HALVED = SCENARIOS / "scores-halved-overnight.toml"
ACTIONS = SCENARIOS / "scores-halved-overnight.actions-meets.toml"
START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # the scenario's start
WAIT = 120_000  # a hang guard, not a speed limit


def notes(folder: Path, run_id: int) -> list[Any]:
    """The run's observer notes, read from its database as the report reads them."""
    svc = build_drill(folder, SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC)))
    try:
        return observations(svc.ctx, run_id)
    finally:
        svc.close()


def test_drill_bar_controls(qtbot: QtBot, tmp_path: Path) -> None:
    bar, controller = open_drill_window(HALVED, ACTIONS, tmp_path / "run")
    qtbot.addWidget(bar)
    try:
        qtbot.waitUntil(lambda: "injects fired" in bar.fired.text(), timeout=WAIT)
        # T+0: the injects due at the start have fired; nothing moves while paused.
        assert bar.fired.text() == "injects fired 5/15"
        assert bar.clock.text() == "T+0m / T+6h00m"
        assert bar.sim_time.text() == f"{local_text(START)} (simulated)"
        assert bar.clock.toolTip() == bar.sim_time.toolTip() == \
            f"Simulated time: {full_text(START)}"
        assert "T+5m mention on facebook by Linda Ortiz" in bar.next_label.text()
        qtbot.wait(600)
        assert controller.status.elapsed.total_seconds() == 0
        bar.next.click()  # jump to the next inject: the scripted players before it act too
        qtbot.waitUntil(lambda: bar.fired.text() == "injects fired 6/15", timeout=WAIT)
        assert bar.clock.text().startswith("T+5m / ")
        # Fire the outage (T+1h) by hand, now.
        k = next(i for i in range(bar.inject_combo.count())
                 if "x unavailable" in bar.inject_combo.itemText(i))
        bar.inject_combo.setCurrentIndex(k)
        bar.fire.click()
        qtbot.waitUntil(lambda: bar.fired.text() == "injects fired 7/15", timeout=WAIT)
        assert "unavailable" in bar.last.text()
        assert all("x unavailable" not in bar.inject_combo.itemText(i)
                   for i in range(bar.inject_combo.count()))
        bar.author.setCurrentText("Jordan Ellis")
        bar.note.setText("The commander declared before anyone drafted.")
        bar.add_note.click()
        qtbot.waitUntil(lambda: bool(notes(tmp_path / "run", controller.info["run"])),
                        timeout=WAIT)
        (at, who, text), = notes(tmp_path / "run", controller.info["run"])
        assert (who, text) == ("Jordan Ellis", "The commander declared before anyone drafted.")
        assert at.isoformat() == "2026-03-02T08:35:00+00:00"  # the simulated clock
        bar.speed.setCurrentIndex(bar.speed.findData(60))
        bar.play.click()
        assert bar.play.text() == "Pause"
        qtbot.waitUntil(lambda: controller.status.elapsed.total_seconds() >= 330, timeout=WAIT)
        bar.play.click()
        assert not controller.running
    finally:
        controller.close()


def test_drill_room_runs_on_the_drill_clock(qtbot: QtBot, tmp_path: Path) -> None:
    window, controller, services = open_drill_room(HALVED, None, tmp_path / "run")
    qtbot.addWidget(window)
    try:
        assert services.ctx.clock.now().isoformat() == "2026-03-02T08:30:00+00:00"
        assert window.drill_banner.isVisibleTo(window)
        assert "DRILL: Scores halved overnight" in window.windowTitle()
        incidents = services.incidents.list()
        assert [(i.drill, i.status.value) for i in incidents] == [(True, "detected")]
    finally:
        controller.close()
        window.tasks.shutdown()
        services.close()


def test_hot_wash_from_the_drill_room_with_alt_h(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from commandcenter.services.drill_runs import hot_wash

    window, controller, services = open_drill_room(HALVED, None, tmp_path / "run")
    qtbot.addWidget(window)
    try:
        window.show()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
        bar = window.drill_bar
        assert "He&lp" in [a.text() for a in window.menuBar().actions()]  # Alt+H is free
        qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: bar.hot_wash_dialog is not None  # the button's click is
                        and bar.hot_wash_dialog.isVisible(), timeout=WAIT)  # animated
        dialog = bar.hot_wash_dialog
        assert dialog.by.currentText() == "Morgan Blake"  # the scenario's facilitator
        dialog.strengths.setPlainText("Declared within three minutes.")
        dialog.add_row({"action": "Write the delegation into the plan", "owner": "Daniel Reyes",
                        "due": "2026-03-16"})
        dialog.ok_button.click()
        assert not dialog.isVisible()
        assert "Hot wash saved" in bar.last.text()
        saved = hot_wash(services.ctx, controller.info["run"])
        assert saved["strengths"] == ["Declared within three minutes."]
        assert saved["plan"][0]["owner"] == "Daniel Reyes"
    finally:
        controller.close()
        window.tasks.shutdown()
        services.close()


def test_the_drill_bar_fits_between_the_side_docks_on_a_1600_pixel_screen(
        qtbot: QtBot, tmp_path: Path) -> None:
    # The incident room's side docks take about 800 px: a bar wider than 800 px made the
    # drill window wider than a 1920-px screen (the clock reserved room for T+88h).
    bar, controller = open_drill_window(HALVED, ACTIONS, tmp_path / "run")
    qtbot.addWidget(bar)
    try:
        qtbot.waitUntil(lambda: "injects fired" in bar.fired.text(), timeout=WAIT)
        assert bar.minimumSizeHint().width() <= 800
        for label in (bar.clock, bar.sim_time):  # the widest texts of a 6-hour drill fit
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    finally:
        controller.close()


def test_the_observer_note_takes_the_free_width_of_a_1600_pixel_drill_window(
        qtbot: QtBot, tmp_path: Path) -> None:
    window, controller, services = open_drill_room(HALVED, None, tmp_path / "run")
    qtbot.addWidget(window)
    try:
        window.resize(1600, 900)
        window.show()
        qtbot.waitExposed(window)
        bar = window.drill_bar
        qtbot.waitUntil(lambda: bar.note.width() > bar.note.sizeHint().width(), timeout=WAIT)
        # Between the side docks (about 850 px here) the note was squeezed to 171 px,
        # a few words of its placeholder, among six other controls.
        assert bar.width() <= window.centralWidget().width()
        assert bar.minimumSizeHint().width() <= 800
        assert bar.note.width() >= 400
        row = [bar.author, bar.note, bar.add_note, bar.hot_wash, bar.replay]
        assert all(w.geometry().center().y() == bar.note.geometry().center().y()
                   for w in row)
        assert bar.note.width() == max(w.width() for w in row)  # the row's free width
        assert bar.last.width() >= 375  # and not by squeezing the last inject instead
    finally:
        controller.close()
        window.tasks.shutdown()
        services.close()
