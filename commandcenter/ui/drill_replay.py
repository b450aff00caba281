"""Replaying a finished drill: ``commandcenter gui --drill-replay RUN_FOLDER``, or the drill
bar's Replay... once the drill has finished.

The recorded timeline (the incident's entries, injected mentions, refused actions and
observer notes) appears again entry by entry on a simulated clock of the replay's own:
play/pause, speed x1..x600, next entry, restart, and a slider to move through the drill.
The window only paints; :class:`commandcenter.drills.replay.Replay` decides what is
visible at which simulated time, and its timer says how much wall time went by.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from commandcenter.drills.durations import format_offset
from commandcenter.drills.replay import SPEEDS, Replay, ReplayEntry

from .timefmt import full_text, local_text, localise

TICK_MS = 100
STYLE = ("ReplayWindow { background: #eef3f8; }"
         "QLabel#tag { background: #1f4e79; color: white; font-weight: bold; padding: 2px 6px; }"
         "QLabel#clock { font-size: 16px; font-weight: bold; color: #1f4e79; }")
COLUMNS = ("simulated time", "T+", "kind", "who", "what")


class ReplayWindow(QWidget):
    """A finished drill's timeline, played again on its own simulated clock."""

    def __init__(self, title: str, start: datetime, replay: Replay,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.replay, self.start_at = replay, start
        self.setWindowTitle(f"Command Center — REPLAY of a drill: {title}")
        self.setAccessibleName("Drill replay")
        self.setObjectName("replay")
        self.setStyleSheet(STYLE)
        tag = QLabel("REPLAY")
        tag.setObjectName("tag")
        name = QLabel(f"<b>{title}</b> — a finished drill; nothing here happens again")
        self.clock = QLabel()
        self.clock.setObjectName("clock")
        self.clock.setAccessibleName("Replay clock (simulated)")
        self.play_button = QPushButton("&Play")
        self.play_button.setAccessibleName("Play or pause the replay")
        self.play_button.clicked.connect(self.toggle)
        self.speed = QComboBox()
        self.speed.setAccessibleName("Replay speed")
        for s in SPEEDS:
            self.speed.addItem(f"x{s}", s)
        self.speed.setCurrentIndex(self.speed.findData(int(replay.speed))
                                   if int(replay.speed) in SPEEDS else 0)
        self.speed.currentIndexChanged.connect(
            lambda _i: self.replay.set_speed(self.speed.currentData()))
        self.step_button = QPushButton("Ne&xt entry")
        self.step_button.setAccessibleName("Jump to the next entry")
        self.step_button.clicked.connect(self.step)
        self.restart_button = QPushButton("&Restart")
        self.restart_button.setAccessibleName("Restart the replay from T+0")
        self.restart_button.clicked.connect(self.restart)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Replay position")
        self.slider.setRange(0, int(replay.duration.total_seconds()))
        self.slider.setSingleStep(60)
        self.slider.setPageStep(600)
        self.slider.valueChanged.connect(self._slid)
        self.count = QLabel()
        self.count.setAccessibleName("Entries shown")
        self.next_label = QLabel()
        self.next_label.setAccessibleName("Next entry")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Replayed timeline")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for c in range(4):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        for w in (tag, name):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.count)
        controls = QHBoxLayout()
        for w in (self.clock, self.play_button, self.speed, self.step_button,
                  self.restart_button):
            controls.addWidget(w)
        controls.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(controls)
        layout.addWidget(self.next_label)
        layout.addWidget(self.table, 1)
        self.timer = QTimer(self, interval=TICK_MS)
        self.timer.timeout.connect(self._tick)
        self._wall = time.monotonic()
        self._repaint_all()

    # --- the clock ----------------------------------------------------------------
    def _tick(self) -> None:
        now = time.monotonic()
        wall, self._wall = now - self._wall, now
        self.advance(wall)

    def advance(self, wall_seconds: float) -> list[ReplayEntry]:
        """``wall_seconds`` went by: the replay moves on (while playing) and paints."""
        appeared = self.replay.tick(wall_seconds)
        self._append(appeared)
        self._show_position()
        return appeared

    # --- controls -----------------------------------------------------------------
    def toggle(self) -> None:
        if self.replay.playing:
            self.replay.pause()
            self.timer.stop()
        else:
            restarting = self.replay.finished
            self.replay.play()
            if restarting:
                self._repaint_all()
            self._wall = time.monotonic()
            self.timer.start()
        self._show_position()

    def step(self) -> None:
        self._append(self.replay.step())
        self._show_position()

    def restart(self) -> None:
        self.replay.restart()
        self._repaint_all()

    def seek(self, offset: timedelta) -> None:
        shown = self.replay.shown
        appeared = self.replay.seek(offset)
        if self.replay.shown < shown:
            self._repaint_all()
        else:
            self._append(appeared)
            self._show_position()

    def _slid(self, value: int) -> None:
        if value != int(self.replay.position.total_seconds()):
            self.seek(timedelta(seconds=value))

    # --- painting -----------------------------------------------------------------
    def _repaint_all(self) -> None:
        self.table.setRowCount(0)
        self._append(self.replay.visible)
        self._show_position()

    def _append(self, entries: list[ReplayEntry]) -> None:
        for e in entries:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, text in enumerate((local_text(e.when), format_offset(e.at), e.kind, e.who,
                                      localise(e.text))):
                item = QTableWidgetItem(text)  # the words as written stay on hover
                item.setToolTip(full_text(e.when) if c == 0 else
                                e.text[:2000] if c == 4 else text)
                self.table.setItem(r, c, item)
        if entries:
            self.table.scrollToBottom()
            self.table.selectRow(self.table.rowCount() - 1)

    def _show_position(self) -> None:
        r = self.replay
        now = self.start_at + r.position
        self.clock.setText(f"{format_offset(r.position)} / {format_offset(r.duration)}  "
                           f"{local_text(now)} (simulated)")
        self.clock.setToolTip(f"Simulated time: {full_text(now)}")
        self.count.setText(f"entries {r.shown}/{len(r.entries)}")
        nxt = r.next_entry
        self.next_label.setText(f"next: {format_offset(nxt.at)} {nxt.kind}: {nxt.who}"
                                if nxt is not None else "next: none (the end of the drill)")
        self.play_button.setText("&Pause" if r.playing else "&Play")
        if not r.playing and self.timer.isActive():
            self.timer.stop()  # reached the end
        self.slider.blockSignals(True)
        self.slider.setValue(int(r.position.total_seconds()))
        self.slider.blockSignals(False)


def open_replay(ctx: Any, run_id: int, speed: float = 60,
                parent: QWidget | None = None) -> ReplayWindow:
    """The replay window over a finished run of a drill database."""
    from commandcenter.services.drill_runs import replay_entries

    scenario, _result, entries = replay_entries(ctx, run_id)
    return ReplayWindow(scenario.name, scenario.start,
                        Replay(entries, scenario.duration, speed), parent)


def run_replay_gui(folder: Path) -> int:
    """``gui --drill-replay RUN_FOLDER``: the last finished run in that folder."""
    from commandcenter.app import build_drill
    from commandcenter.domain.clock import SimulatedClock
    from commandcenter.domain.errors import InvalidInput
    from commandcenter.services.drill_runs import finished_runs

    from .app import make_application

    folder = folder.parent if folder.suffix == ".sqlite" else folder
    if not (folder / "drill.sqlite").exists():
        raise InvalidInput(f"drill: {folder} holds no drill database (drill.sqlite)")
    app = make_application()
    services = build_drill(folder, SimulatedClock(datetime(2000, 1, 1, tzinfo=UTC)))
    try:
        runs = [r for r in finished_runs(services.ctx) if r["result"]]
        if not runs:
            raise InvalidInput(f"drill: {folder} holds no finished drill run")
        window = open_replay(services.ctx, runs[-1]["run"])
        window.resize(1200, 760)
        window.show()
        return app.exec()
    finally:
        services.close()
